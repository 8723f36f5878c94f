// Issue 10, production process split: `npm run api` and `npm run worker` are
// separate processes against one PostgreSQL (DATABASE_URL) and one Temporal
// (TEMPORAL_ADDRESS). The api process answers HTTP and never polls; the worker
// executes the workflows and serves no HTTP. On SIGTERM the API stops accepting
// connections, finishes the requests in flight and exits 0.
import { createConnection } from 'node:net';
import { temporal as proto } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { findFreePort } from '../../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { processesOf } from '../support/process-table';
import { call } from '../support/stack';
import { productionEnv, startProduction, type ProductionProcess, type ProductionScript } from './production-process';
import { firingAlertGroup } from '../support/alertmanager-payload';

jest.setTimeout(600_000);

const { TaskQueueType } = proto.api.enums.v1;

let database: TestDatabase;
let temporal: TestWorkflowEnvironment;
let temp: TempDataDir;
beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await startDevEnvironment();
  temp = await makeTempDataDir('rampart-production-');
});
afterAll(async () => {
  await temporal?.teardown();
  await database?.drop();
  await temp?.remove();
});

let started: ProductionProcess[] = [];
afterEach(async () => {
  for (const p of started) await p.kill().catch(() => undefined);
  started = [];
});

let queues = 0;
function sharedSettings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    RAMPART_TASK_QUEUE: `production-${process.pid}-${(queues += 1)}`,
    RAMPART_DATA_DIR: temp.dataDir,
    ...extra,
  };
}

async function start(script: ProductionScript, settings: Record<string, string>): Promise<ProductionProcess & { port: number }> {
  const port = await findFreePort();
  const p = await startProduction(script, productionEnv({ ...settings, PORT: String(port) }));
  started.push(p);
  return Object.assign(p, { port });
}

/** Whose process each poller of the task queue runs in (identity `<pid>@<host>`). */
async function pollerOwners(taskQueue: string, processes: Record<string, ProductionProcess>): Promise<string[]> {
  const owners = new Set<string>();
  for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const { pollers } = await temporal.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
    for (const { identity } of pollers) {
      const pid = Number((identity ?? '').split('@')[0]);
      const owner = Object.entries(processes).find(([, p]) => processesOf({ pgid: p.pid }).some((q) => q.pid === pid));
      owners.add(owner?.[0] ?? `unknown (${identity})`);
    }
  }
  return [...owners].sort();
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(true) : reject(err)));
  });
}

const kinds = (timeline: { kind: string }[]) => timeline.map((e) => e.kind);

test('npm run api and npm run worker run an incident and an alert end to end between them, and stop on SIGTERM with exit 0', async () => {
  const settings = sharedSettings({ ALERTMANAGER_WEBHOOK_TOKEN: 'alert-token' });
  const [api, worker] = await Promise.all([start('api', settings), start('worker', settings)]);
  expect(api.apiUrl).toBe(`http://127.0.0.1:${api.port}`);
  expect(worker.output()).toContain('rampart: worker running');
  expect(await refusesConnections(worker.port)).toBe(true);
  // Both use the services given, and neither started one of its own.
  for (const p of [api, worker]) {
    expect(p.output()).toContain('database: DATABASE_URL');
    expect(p.output()).toContain(`temporal: ${temporal.address}\n`);
  }

  const url = api.apiUrl ?? '';
  const declared = await call(url, 'POST', '/incidents', { title: 'Queue consumers stuck', severity: 'SEV3', declaredBy: 'alice' });
  expect(declared).toMatchObject({ status: 201, body: { status: 'DECLARED' } });
  const id: string = declared.body.id;
  expect(await call(url, 'POST', `/incidents/${id}/acknowledge`, { actor: 'bob' })).toMatchObject({ status: 200, body: { roles: { commander: 'bob' } } });
  expect(await call(url, 'POST', `/incidents/${id}/resolve`, { actor: 'bob' })).toMatchObject({ status: 200, body: { status: 'RESOLVED' } });
  expect(kinds((await call(url, 'GET', `/incidents/${id}/timeline`)).body.timeline)).toEqual(['declared', 'acknowledged', 'resolved']);

  const alert = await call(url, 'POST', '/webhooks/alertmanager', firingAlertGroup({ alertname: 'HighErrorRate', severity: 'critical', summary: 'Error rate above 5%' }), { authorization: 'Bearer alert-token' });
  expect(alert).toMatchObject({ status: 201, body: { outcome: 'declared' } });
  await eventually(async () => {
    expect(kinds((await call(url, 'GET', `/incidents/${alert.body.incidentId}/timeline`)).body.timeline)).toEqual(['declared']);
  }, 120_000);

  expect(await pollerOwners(settings.RAMPART_TASK_QUEUE ?? '', { api, worker })).toEqual(['worker']);

  api.signal('SIGTERM');
  worker.signal('SIGTERM');
  expect(await api.exited).toEqual({ code: 0, signal: null });
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  for (const p of [api, worker]) expect(p.output()).toMatch(/^rampart: SIGTERM received, shutting down .*\n(?:.*\n)*rampart: stopped$/m);
});

test('on SIGTERM npm run api refuses new connections, finishes the request in flight and exits 0', async () => {
  const settings = sharedSettings({ RAMPART_SHUTDOWN_GRACE: '10m' });
  const api = await start('api', settings);
  const url = api.apiUrl ?? '';

  // A declaration is answered once the workflow has recorded it: with no worker yet, it stays in flight.
  let answered = false;
  const declaring = call(url, 'POST', '/incidents', { title: 'Checkout returns 500', severity: 'SEV2', declaredBy: 'alice' }).finally(() => {
    answered = true;
  });
  await eventually(async () => {
    const { executions } = await temporal.client.workflowService.listOpenWorkflowExecutions({ namespace: 'default', maximumPageSize: 100 });
    expect(executions.some((e) => e.taskQueue === settings.RAMPART_TASK_QUEUE)).toBe(true);
  }, 60_000);

  api.signal('SIGTERM');
  await api.waitFor(/^rampart: SIGTERM received, shutting down/m);
  await eventually(async () => expect(await refusesConnections(api.port)).toBe(true), 60_000);
  expect(answered).toBe(false);
  expect(api.hasExited()).toBe(false);

  // A worker takes the declaration: the request in flight is answered in full, then the API exits.
  await start('worker', settings);
  expect(await declaring).toMatchObject({ status: 201, body: { status: 'DECLARED', title: 'Checkout returns 500' } });
  expect(await api.exited).toEqual({ code: 0, signal: null });
});
