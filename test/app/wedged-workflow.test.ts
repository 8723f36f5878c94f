// Issue 10, "A way back for a wedged workflow": a deploy that changes a
// workflow's commands without patched() wedges the incidents it touched. Here a
// bad release (a copy of the incident workflow that starts a timer before it
// records a note) takes a running incident's note; the fixed release, put back,
// cannot replay what the bad one wrote, so every workflow task of the incident
// fails and its timers stop. Rampart names it on /healthz with the server's
// cause and logs it once; the README's Temporal CLI commands find it and reset
// it to the last good point (the first workflow task of the bad build), after
// which the incident takes updates, fires its escalation and records both notes.
// Real Temporal dev server (the server's own TemporalReportedProblems signal, at
// its default of 5 failed attempts), real PostgreSQL, the real workers.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { loadPolicy } from '../../src/policy/load';
import type { Policy } from '../../src/policy/schema';
import { startDevEnvironment } from '../../src/temporal/servers';
import { wedgedWorkflowsQuery } from '../../src/temporal/wedged';
import { createWorker, workflowBundle } from '../../src/temporal/worker';
import { bundleWithCopies, replaceOnce } from '../replay/workflow-copy';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { outboxMailer } from '../support/outbox-mailer';
import { RecordingConnector } from '../support/recording-connector';
import { call } from '../support/stack';
import { temporalCli, temporalCliJson } from '../support/temporal-cli';

jest.setTimeout(1_200_000);

/** Generous: the machine is shared, and the server waits out a timeout between failed attempts. */
const WEDGE_REPORTED_WITHIN_MS = 600_000;
const PROGRESS_WITHIN_MS = 300_000;

/** Run after the test, last first, whether it passed or not. */
let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/**
 * The bad release: notes now wait a moment before they are recorded, a new
 * timer added without patched(). It completes workflow tasks happily; the
 * history it writes (a timer before the note's record) is what the good code
 * cannot replay.
 */
function timerBeforeNoteWithoutPatch(source: string): string {
  const handler = 'setHandler(msg.addNoteSignal, ({ actor, text, key }) => {\n';
  return replaceOnce(source, handler, `${handler}    void condition(() => false, 1);\n`);
}

/** SEV1 acknowledgement window short enough to miss during the test; the incident starts as SEV3 (4 h). */
function shortSev1Policy(): Policy {
  const policy = loadPolicy();
  const severities = { ...policy.incident.severities, SEV1: { ...policy.incident.severities.SEV1, acknowledgeWithin: 60_000 } };
  return { ...policy, incident: { ...policy.incident, severities } };
}

interface Harness {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  stack: Stack;
  connector: RecordingConnector;
  taskQueue: string;
}

async function start(policy: Policy): Promise<Harness> {
  const env = await startDevEnvironment();
  cleanups.push(() => env.teardown());
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const taskQueue = `wedged-${process.pid}`;
  // The API alone (for /healthz and the incident service): the test runs the workers itself.
  const stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    policy,
    connectors: [],
    mailer: outboxMailer(),
    run: 'api',
    api: { host: '127.0.0.1', port: 0 },
  });
  cleanups.push(() => stack.stop());
  return { env, database, stack, connector: new RecordingConnector(), taskQueue };
}

/** A worker running `bundle` on the harness's queue until `stop()`; stopped at cleanup too. */
async function runWorker(h: Harness, bundle: Awaited<ReturnType<typeof workflowBundle>>): Promise<{ stop(): Promise<void> }> {
  const mailer = outboxMailer();
  const worker = await createWorker({
    connection: h.env.nativeConnection,
    namespace: 'default',
    taskQueue: h.taskQueue,
    workflowBundle: bundle,
    db: h.database.prisma,
    connectors: [h.connector],
    mail: { mailer, from: 'privacy@example.com', companyName: 'Example Ltd' },
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await mailer.close();
    })());
  cleanups.push(stop);
  return { stop };
}

/** Texts of the incident's timeline entries of `kind`, as recorded in PostgreSQL. */
async function timelineTexts(h: Harness, incidentId: string, kind: string): Promise<string[]> {
  const rows = await h.database.prisma.timelineEntry.findMany({ where: { incidentId, kind }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.text);
}

/** Lines this process writes to stdout that contain `needle` (Rampart's log goes there). */
function stdoutLinesWith(needle: string): () => string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    lines.push(...text.split('\n').filter((line) => line.includes(needle)));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write);
  cleanups.push(async () => spy.mockRestore());
  return () => lines;
}

interface ResetPointRow {
  BinaryChecksum: string;
  CreateTime: string;
  RunId: string;
  EventId: number;
}

test('a workflow wedged by an unpatched deploy is named on /healthz with its cause, and reset to the last good point it makes progress again', async () => {
  const goodBundle = await workflowBundle();
  const badBundle = await bundleWithCopies('wedging-release', [{ file: 'incident/incident-workflow.ts', edit: timerBeforeNoteWithoutPatch }]);
  const h = await start(shortSev1Policy());
  const healthz = () => call(h.stack.apiUrl ?? '', 'GET', '/healthz');

  // The good release runs a SEV3 incident; nothing is wedged.
  const good = await runWorker(h, goodBundle);
  const incident = await h.stack.incidents.declare({ title: 'Checkout returns 500', severity: 'SEV3', declaredBy: 'alice' });
  expect(await healthz()).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', temporal: 'ok', workflows: 'ok' } } });

  // The bad release takes over and handles a note: its commands are now in the history.
  await good.stop();
  const bad = await runWorker(h, badBundle);
  await h.stack.incidents.addNote(incident.id, { actor: 'bob', text: 'first note, under the bad release' });
  await eventually(async () => expect(await timelineTexts(h, incident.id, 'note')).toEqual(['first note, under the bad release']), PROGRESS_WITHIN_MS);
  await bad.stop();

  // The fixed release is back: replaying what the bad one wrote fails on every attempt.
  const fixed = await runWorker(h, goodBundle);
  const log = stdoutLinesWith(incident.id);
  await h.stack.incidents.addNote(incident.id, { actor: 'bob', text: 'second note, while wedged' });
  const wedged = `1 wedged: ${incident.id} (WorkflowTaskFailedCauseNonDeterministicError)`;
  await eventually(async () => expect((await healthz()).body.checks.workflows).toBe(wedged), WEDGE_REPORTED_WITHIN_MS);
  expect(await healthz()).toEqual({ status: 503, body: { status: 'degraded', checks: { database: 'ok', temporal: 'ok', workflows: wedged } } });
  // Logged once, however often the check runs.
  expect(log()).toEqual([expect.stringContaining(`workflow ${incident.id} (incidentWorkflow) is wedged`)]);
  expect(log()[0]).toContain('WorkflowTaskFailedCauseNonDeterministicError');
  // No progress while wedged: the second note is not recorded.
  expect(await timelineTexts(h, incident.id, 'note')).toEqual(['first note, under the bad release']);

  // The operator's way back (README, "A wedged workflow"), with the Temporal CLI.
  const listed = await temporalCliJson<{ execution: { workflowId: string } }[]>(h.env.address, ['workflow', 'list', '--query', wedgedWorkflowsQuery(h.taskQueue)]);
  expect(listed.map((w) => w.execution.workflowId)).toEqual([incident.id]);
  const points = await temporalCliJson<ResetPointRow[]>(h.env.address, ['workflow', 'describe', '--workflow-id', incident.id, '--reset-points']);
  // One point per build that completed a workflow task, each at its first: the good release's, then the bad one's,
  // where everything before is what the good release did.
  expect(points).toHaveLength(2);
  const lastGood = points[1] as ResetPointRow;
  await temporalCli(h.env.address, ['workflow', 'reset', '--workflow-id', incident.id, '--event-id', String(lastGood.EventId), '--reason', 'undo the wedging release']);

  // Progress again: both notes recorded (the second one reapplied by the reset), an update accepted, the escalation it makes due fired and recorded.
  await eventually(async () => expect(await timelineTexts(h, incident.id, 'note')).toEqual(['first note, under the bad release', 'second note, while wedged']), PROGRESS_WITHIN_MS);
  const raised = await h.stack.incidents.setSeverity(incident.id, { actor: 'carol', severity: 'SEV1' });
  expect(raised.severity).toBe('SEV1');
  await eventually(async () => expect((await timelineTexts(h, incident.id, 'ack_escalated')).length).toBeGreaterThan(0), PROGRESS_WITHIN_MS);
  await eventually(async () => expect(h.connector.delivered.some((n) => n.incidentId === incident.id && n.kind === 'ack_escalation')).toBe(true), PROGRESS_WITHIN_MS);
  await eventually(async () => expect(await healthz()).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', temporal: 'ok', workflows: 'ok' } } }), PROGRESS_WITHIN_MS);

  await h.env.client.workflow.getHandle(incident.id).terminate('test over');
  await fixed.stop();
});
