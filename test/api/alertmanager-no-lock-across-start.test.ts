// Issue 10: the Alertmanager path does not hold a database lock while it starts
// a workflow, and concurrent deliveries of one group still open exactly one
// incident. The Temporal client the API uses here can hold a workflow start
// (a client interceptor), so the test can look at PostgreSQL, and send more
// deliveries, while Temporal is being called.
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from '../../src/app/stack';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { outboxMailer } from '../support/outbox-mailer';
import { RecordingConnector } from '../support/recording-connector';
import { call } from '../support/stack';

jest.setTimeout(300_000);

const firing = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/alertmanager-firing.json'), 'utf8'));

/** Holds the next workflow start until released; later starts pass straight through. */
class StartGate {
  private armed = false;
  private release?: () => void;
  private entered?: (workflowId: string) => void;
  heldStart?: Promise<string>;

  arm(): void {
    this.armed = true;
    this.heldStart = new Promise((resolve) => (this.entered = resolve));
  }

  readonly interceptor: WorkflowClientInterceptor = {
    startWithDetails: async (input, next) => {
      if (this.armed) {
        this.armed = false;
        const released = new Promise<void>((resolve) => (this.release = resolve));
        this.entered?.(input.options.workflowId);
        await released;
      }
      return next(input);
    },
  };

  open(): void {
    this.release?.();
  }
}

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Stack;
let url: string;
const gate = new StartGate();
beforeAll(async () => {
  database = await createTestDatabase();
  env = await startDevEnvironment();
  const client = new Client({ connection: env.connection, namespace: 'default', interceptors: { workflow: [gate.interceptor] } });
  stack = await startStack({
    db: database.prisma,
    client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `alert-no-lock-${process.pid}`,
    policy: loadPolicy(),
    connectors: [new RecordingConnector()],
    mailer: outboxMailer(),
    run: 'all',
    api: { host: '127.0.0.1', port: 0 },
  });
  url = stack.apiUrl ?? '';
});
afterAll(async () => {
  gate.open();
  await stack?.stop();
  await env?.teardown();
  await database?.drop();
});

const hook = (groupKey: string) => call(url, 'POST', '/webhooks/alertmanager', { ...firing, groupKey });

/** Advisory locks and open transactions in this test's database, other than the asking session's. */
async function heldInDatabase(): Promise<{ advisoryLocks: number; openTransactions: number }> {
  const [row] = await database.prisma.$queryRaw<{ advisory_locks: number; open_transactions: number }[]>`
    SELECT
      (SELECT count(*)::int FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND d.datname = current_database()) AS advisory_locks,
      (SELECT count(*)::int FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL) AS open_transactions`;
  return { advisoryLocks: row?.advisory_locks ?? -1, openTransactions: row?.open_transactions ?? -1 };
}

async function incidentsOfGroup(incidentId: string) {
  const row = await database.prisma.incident.findUniqueOrThrow({ where: { id: incidentId }, select: { dedupKey: true } });
  return database.prisma.incident.findMany({ where: { dedupKey: row.dedupKey }, select: { id: true } });
}

const kinds = (timeline: { kind: string }[]) => timeline.map((e) => e.kind);

test('while an alert waits on Temporal to start its incident, no database lock or transaction is held and a repeat of the group is answered', async () => {
  const group = `{}:{alertname="HeldStart",run="${process.pid}"}`;
  gate.arm();
  let firstAnswered = false;
  const first = hook(group).finally(() => {
    firstAnswered = true;
  });
  const heldId = await gate.heldStart;

  // The incident row is claimed and committed; nothing is locked while Temporal is called.
  expect(await heldInDatabase()).toEqual({ advisoryLocks: 0, openTransactions: 0 });
  expect(await database.prisma.incident.findUnique({ where: { id: heldId ?? '' }, select: { status: true } })).toEqual({ status: 'DECLARED' });

  // The same group again, while the first start is still held: joined, not blocked and not duplicated.
  const repeat = await hook(group);
  expect(repeat).toEqual({ status: 200, body: { outcome: 'deduplicated', incidentId: heldId } });
  expect(firstAnswered).toBe(false);

  gate.open();
  expect(await first).toEqual({ status: 201, body: { outcome: 'declared', incidentId: heldId } });
  expect(await incidentsOfGroup(heldId ?? '')).toEqual([{ id: heldId }]);
  expect(await env.client.workflow.count(`WorkflowId = "${heldId}"`)).toMatchObject({ count: 1 });
  await eventually(async () => {
    expect(kinds((await call(url, 'GET', `/incidents/${heldId}/timeline`)).body.timeline)).toEqual(['declared', 'alert_repeated']);
  });
});

test('many concurrent deliveries of one new group, the first start held until the rest are answered: one incident, one workflow, every repeat in its timeline', async () => {
  const group = `{}:{alertname="Stampede",run="${process.pid}"}`;
  const deliveries = 12;
  gate.arm();
  const answered: { status: number; body: { outcome: string; incidentId: string } }[] = [];
  const all = Array.from({ length: deliveries }, () => hook(group).then((r) => answered.push(r)));
  const heldId = await gate.heldStart;

  // Every other delivery is answered while one start is held (the workflow is started by whichever comes next).
  await eventually(async () => expect(answered).toHaveLength(deliveries - 1), 120_000);
  gate.open();
  await Promise.all(all);

  expect(answered.map((r) => r.status).sort()).toEqual([200, ...Array(deliveries - 2).fill(200), 201].sort());
  expect(answered.filter((r) => r.body.outcome === 'declared')).toHaveLength(1);
  expect(new Set(answered.map((r) => r.body.incidentId))).toEqual(new Set([heldId]));
  expect(await incidentsOfGroup(heldId ?? '')).toEqual([{ id: heldId }]);
  expect(await env.client.workflow.count(`WorkflowId = "${heldId}"`)).toMatchObject({ count: 1 });
  await eventually(async () => {
    const timeline = kinds((await call(url, 'GET', `/incidents/${heldId}/timeline`)).body.timeline);
    expect(timeline).toEqual(['declared', ...Array(deliveries - 1).fill('alert_repeated')]);
  });
});

test('deliveries of one new group that all read before any writes still claim one incident row', async () => {
  const group = `{}:{alertname="ReadersFirst",run="${process.pid}"}`;
  const deliveries = 4;
  // SHARE mode lets every delivery read the incidents table but holds its INSERT:
  // without a per-group lock they would all read "no open incident" and all insert.
  const holder = new PgClient({ connectionString: database.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE incidents IN SHARE MODE');
    const all = Array.from({ length: deliveries }, () => hook(group));
    // Each delivery waits on a lock now: the first to insert its row, the others for their group (or all to insert).
    // (The worker's own writes, an upsert, may wait too: they are not counted.)
    await eventually(async () => {
      // Inside a transaction pg_stat_activity is read once and cached: drop the cached copy first.
      await holder.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'
            AND (query LIKE '%pg_advisory_xact_lock%' OR (query LIKE 'INSERT INTO "public"."incidents"%' AND query NOT LIKE '%ON CONFLICT%'))`,
      );
      expect(rows[0]?.n).toBe(deliveries);
    });
    await holder.query('COMMIT');
    const answered = await Promise.all(all);
    expect(answered.filter((r) => r.body.outcome === 'declared')).toHaveLength(1);
    const ids = new Set(answered.map((r) => r.body.incidentId));
    expect(ids.size).toBe(1);
    expect(await incidentsOfGroup([...ids][0] ?? '')).toHaveLength(1);
  } finally {
    await holder.end();
  }
});
