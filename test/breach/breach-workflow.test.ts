// The 24-hour customer notice on the time-skipping server, with the real send
// activity, a real SMTP server on loopback and real PostgreSQL records.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createBreachMailActivities } from '../../src/activities/breach-mail';
import { createBreachRecordActivities } from '../../src/activities/breach-records';
import type { IncidentNotification } from '../../src/domain/notification';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import { startTimeSkippingEnvironment } from '../../src/temporal/servers';
import { workflowBundle } from '../../src/temporal/worker';
import { breachNotificationWorkflow } from '../../src/workflows/breach/breach-notification-workflow';
import * as msg from '../../src/workflows/breach/messages';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const HOUR = 3_600_000;
jest.setTimeout(240_000);
const policy = { ...loadPolicy().breach, officers: ['U0DPO'] };
const notice = {
  nature: 'An attacker used a leaked API key to read the customer database of the billing service.',
  impact: 'Names, billing addresses and the last four digits of card numbers may have been read.',
  mitigation: 'The key was revoked within an hour, all keys were rotated and access logging was extended.',
  contact: 'Dana Privacy, Data Protection Officer, dpo@example.com, +44 20 7946 0000',
};

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let smtp: TestSmtpServer;
let mailer: Mailer;
const told: IncidentNotification[] = [];

beforeAll(async () => {
  env = await startTimeSkippingEnvironment();
  database = await createTestDatabase();
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
});
afterAll(async () => {
  await mailer?.close();
  await smtp?.stop();
  await database?.drop();
  await env?.teardown();
});

const started: string[] = [];
afterEach(async () => {
  smtp.setTransientFailure(false);
  for (const id of started.splice(0)) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
});

function activities() {
  return {
    ...createBreachRecordActivities(database.prisma),
    ...createBreachMailActivities({ db: database.prisma, mailer, from: 'privacy@example.com', companyName: 'Example Ltd' }),
    deliverNotification: async (n: IncidentNotification) => {
      told.push(n);
    },
  };
}

let n = 0;
async function startBreach(taskQueue: string) {
  const incidentId = `INC-20261122-br${(n += 1)}`;
  await database.prisma.incident.create({
    data: { id: incidentId, title: 'Billing DB exposure', severity: 'SEV1', declaredBy: 'U0ALICE', declaredAt: new Date() },
  });
  const workflowId = msg.breachWorkflowId(incidentId);
  started.push(workflowId);
  const t0 = new Date(await env.currentTimeMs()).toISOString();
  const handle = await env.client.workflow.start(breachNotificationWorkflow, {
    workflowId,
    taskQueue,
    args: [{ incidentId, incidentTitle: 'Billing DB exposure', verifiedAt: t0, verifiedBy: 'U0DPO' }, policy],
  });
  return { handle, incidentId, t0: Date.parse(t0) };
}

function customers(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    name: `Customer ${prefix}${i + 1} GmbH`,
    contacts: [`security@c${prefix}${i + 1}.example`, `ceo@c${prefix}${i + 1}.example`],
    dataAffected: 'billing names and addresses',
  }));
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `breach-${(n += 1)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: activities(), shutdownGraceTime: '10s' });
  return worker.runUntil(fn(taskQueue));
}

test('approved at T0+3h: every contact gets one notice with the four elements, well before the deadline', async () => {
  await withWorker(async (tq) => {
    const { handle, t0 } = await startBreach(tq);
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('a', 3) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await env.sleep(3 * HOUR);
    const approved = await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    expect(approved.deliveries).toHaveLength(6);

    const state = await until(async () => {
      const s = await handle.query(msg.breachStateQuery);
      return s.status === 'sent' ? s : undefined;
    });
    expect(state.deliveries.every((d) => d.status === 'sent' && !d.late)).toBe(true);
    for (const d of state.deliveries) {
      expect(Date.parse(d.sentAt!) - t0).toBeLessThan(4 * HOUR);
      expect(smtp.countTo(d.email)).toBe(1);
    }
    const mail = smtp.messages.find((m) => m.to.includes('security@ca1.example'));
    expect(mail?.parsed.text).toContain(notice.impact);
    expect(mail?.parsed.html).toBeTruthy();
    expect(told.filter((t) => t.kind === 'breach_reminder' && t.incidentId === state.incidentId)).toHaveLength(0);

    const rows = await database.prisma.breachDelivery.findMany({ where: { breachId: state.id } });
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('sent'));
    // The snapshot is written just after the state changes: wait for it.
    const breach = await until(async () => {
      const row = await database.prisma.breach.findUniqueOrThrow({ where: { id: state.id } });
      return row.completedAt ? row : undefined;
    });
    expect(breach.completedAt).toBeInstanceOf(Date);
    expect(breach.missedAt).toBeNull();

    await handle.executeUpdate(msg.authorityNotifiedUpdate, { args: [{ actor: 'U0DPO', reference: 'ICO-2026-1234' }] });
    expect((await handle.result()).authority.reference).toBe('ICO-2026-1234');
  });
});

test('never approved: every ladder step fires at its hour, the miss is recorded at T0+24h and escalated; late notices are flagged', async () => {
  await withWorker(async (tq) => {
    const { handle, t0, incidentId } = await startBreach(tq);
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('b', 1) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: { ...notice, impact: '' } }] });
    await expect(handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] })).rejects.toMatchObject({
      cause: { message: expect.stringContaining('likely impact') },
    });
    await expect(handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0BOB' }] })).rejects.toMatchObject({
      cause: { message: expect.stringContaining('only a privacy/security officer') },
    });

    await env.sleep(24 * HOUR + 30 * 60_000);
    const timeline = await database.prisma.timelineEntry.findMany({ where: { incidentId }, orderBy: { occurredAt: 'asc' } });
    const hoursOf = (kind: string) => timeline.filter((e) => e.kind === kind).map((e) => Math.floor((e.occurredAt.getTime() - t0) / HOUR));
    expect(hoursOf('breach_reminder')).toEqual([12, 18, 22, 23]);
    expect(hoursOf('breach_deadline_missed')).toEqual([24]);
    const escalation = told.find((t) => t.incidentId === incidentId && t.kind === 'breach_deadline_missed');
    expect(escalation?.audience).toEqual(expect.arrayContaining(['U0DPO', 'incident-channel', 'executive']));
    expect((await database.prisma.breach.findFirstOrThrow({ where: { incidentId } })).missedAt).toBeInstanceOf(Date);

    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    const state = await until(async () => {
      const s = await handle.query(msg.breachStateQuery);
      return s.status === 'sent' ? s : undefined;
    });
    expect(state.deliveries.every((d) => d.late)).toBe(true);
    expect(state.missedAt).toBeDefined();
  });
});

test('a rejected address goes back to the officer, is corrected and sent', async () => {
  await withWorker(async (tq) => {
    const { handle, incidentId } = await startBreach(tq);
    const list = customers('x', 1);
    list[0]!.contacts = ['nobody@reject.example'];
    smtp.rejectRecipient('nobody@reject.example');
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: list }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await until(async () => (told.some((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_rejected') ? true : undefined));
    const rejected = (await handle.query(msg.breachStateQuery)).deliveries[0];
    expect(rejected?.status).toBe('rejected');

    await handle.executeUpdate(msg.correctContactUpdate, {
      args: [{ actor: 'U0DPO', customerId: 'C1', email: 'nobody@reject.example', newEmail: 'security@fixed.example' }],
    });
    await until(async () => ((await handle.query(msg.breachStateQuery)).status === 'sent' ? true : undefined));
    expect(smtp.countTo('security@fixed.example')).toBe(1);
  });
});

test('customers are validated: real addresses, no duplicates; nothing changes after approval', async () => {
  await withWorker(async (tq) => {
    const { handle } = await startBreach(tq);
    const bad = (customersList: unknown, message: string) =>
      expect(handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customersList as never }] })).rejects.toMatchObject({
        cause: { message: expect.stringContaining(message) },
      });
    await bad([{ name: 'A', contacts: ['not-an-email'], dataAffected: 'x' }], 'is not an email address');
    await bad([{ name: 'A', contacts: ['a@a.example', 'A@a.example'], dataAffected: 'x' }], 'listed twice');
    await bad([{ name: 'A', contacts: ['a@a.example'], dataAffected: '' }], 'does not say what data');
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('v', 1) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await bad(customers('w', 1), 'sending has started');
  });
});
