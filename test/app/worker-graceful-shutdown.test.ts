// Issue 10, graceful shutdown: on SIGTERM `npm run worker` stops polling and
// lets running activities finish for up to RAMPART_SHUTDOWN_GRACE, then exits 0.
// The activity held here is a real one: a breach notice whose SMTP reply the
// loopback mail server keeps back (test/support/smtp.ts), so the worker is
// caught mid-send, the case where an abrupt stop costs a duplicate notice.
import { temporal as proto } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { findFreePort } from '../../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { call } from '../support/stack';
import { productionEnv, startProduction, type ProductionProcess, type ProductionScript } from './production-process';
import { firingAlertGroup } from '../support/alertmanager-payload';

jest.setTimeout(600_000);

const { EventType } = proto.api.enums.v1;

let database: TestDatabase;
let temporal: TestWorkflowEnvironment;
let temp: TempDataDir;
beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await startDevEnvironment();
  temp = await makeTempDataDir('rampart-graceful-');
});
afterAll(async () => {
  await temporal?.teardown();
  await database?.drop();
  await temp?.remove();
});

let started: ProductionProcess[] = [];
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  for (const p of started) await p.kill().catch(() => undefined);
  started = [];
  await smtp?.stop();
  smtp = undefined;
});

let queues = 0;
async function startPair(grace: string): Promise<{ api: ProductionProcess; worker: ProductionProcess; smtp: TestSmtpServer }> {
  smtp = await startTestSmtpServer();
  const settings = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    RAMPART_TASK_QUEUE: `graceful-${process.pid}-${(queues += 1)}`,
    RAMPART_DATA_DIR: temp.dataDir,
    SMTP_URL: smtp.smtpUrl,
    RAMPART_SHUTDOWN_GRACE: grace,
  };
  const start = async (script: ProductionScript) => {
    const p = await startProduction(script, productionEnv({ ...settings, PORT: String(await findFreePort()) }));
    started.push(p);
    return p;
  };
  const [api, worker] = await Promise.all([start('api'), start('worker')]);
  return { api, worker, smtp };
}

const notice = {
  nature: 'An attacker used a leaked API key to read the customer database of the billing service.',
  impact: 'Names and billing addresses may have been read.',
  mitigation: 'The key was revoked and all keys were rotated.',
  contact: 'Dana Privacy, Data Protection Officer, dpo@example.com',
};

/** A verified breach with one contact, approved: its one notice is being sent when this returns. */
async function approveOneNotice(url: string, server: TestSmtpServer): Promise<{ breachId: string }> {
  const post = (path: string, body: unknown) => call(url, 'POST', path, body);
  const { body: incident } = await post('/incidents', { title: 'Billing DB exposure', severity: 'SEV1', declaredBy: 'alice' });
  expect((await post(`/incidents/${incident.id}/breach/suspect`, { actor: 'alice' })).status).toBe(200);
  const verified = await post(`/incidents/${incident.id}/breach/verify`, { actor: 'dpo' });
  expect(verified.status).toBe(200);
  const breachId: string = verified.body.breach.workflowId;
  await eventually(async () => {
    const res = await fetch(`${url}/breaches/${breachId}/customers?actor=alice`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'customer,email,data_affected\nAcme GmbH,security@acme.example,billing addresses\n',
    });
    expect(res.status).toBe(200);
  }, 120_000);
  expect((await call(url, 'PUT', `/breaches/${breachId}/notice`, { actor: 'alice', notice })).status).toBe(200);
  server.holdRepliesAfter(0);
  expect((await post(`/breaches/${breachId}/approve`, { actor: 'dpo' })).status).toBe(200);
  await eventually(async () => expect(server.heldMessages()).toHaveLength(1), 120_000);
  return { breachId };
}

const deliveries = (breachId: string) =>
  database.prisma.breachDelivery.findMany({ where: { breachId }, select: { status: true, attempts: true, messageId: true } });

test('SIGTERM while a breach notice is being sent: the worker stops polling, the send finishes and is recorded, exit 0', async () => {
  const { api, worker, smtp: server } = await startPair('10m');
  const url = api.apiUrl ?? '';
  const { breachId } = await approveOneNotice(url, server);
  expect(await deliveries(breachId)).toEqual([expect.objectContaining({ status: 'sending', attempts: 1 })]);

  worker.signal('SIGTERM');
  await worker.waitFor(/^rampart: SIGTERM received, shutting down/m);
  // It stops polling: an incident declared now waits for another worker, though this one lives on.
  const alert = await call(url, 'POST', '/webhooks/alertmanager', firingAlertGroup({ alertname: 'DuringShutdown', severity: 'warning', summary: 'Declared while the worker stops' }));
  expect(alert.status).toBe(201);
  expect(worker.hasExited()).toBe(false);
  expect(server.heldMessages()).toHaveLength(1);

  server.releaseReplies();
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  expect(worker.output()).toMatch(/^rampart: stopped$/m);
  expect(worker.output()).not.toContain('abandoned');
  // The send that was under way when the signal came finished and was recorded: one message, marked sent.
  expect(server.messages).toHaveLength(1);
  expect(await deliveries(breachId)).toEqual([{ status: 'sent', attempts: 1, messageId: server.messages[0]?.messageId }]);
  // A worker still polling takes a new workflow task within moments; this one never took the alert's.
  const history = await temporal.client.workflow.getHandle(alert.body.incidentId).fetchHistory();
  expect(history.events?.map((e) => e.eventType)).toEqual([
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  ]);
});

test('a send still held when RAMPART_SHUTDOWN_GRACE runs out is abandoned: the worker exits anyway and says so', async () => {
  const { api, worker, smtp: server } = await startPair('1s');
  const { breachId } = await approveOneNotice(api.apiUrl ?? '', server);

  worker.signal('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  expect(worker.output()).toMatch(/^shutdown: activities still running 1000 ms after the shutdown began were abandoned; Temporal retries them after their timeouts$/m);
  // The mail server never answered, so the notice is not marked sent (a later attempt sends it, same Message-ID).
  expect(server.heldMessages()).toHaveLength(1);
  expect(await deliveries(breachId)).toEqual([expect.objectContaining({ status: 'sending', attempts: 1 })]);
});
