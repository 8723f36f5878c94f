// The incident's history stays bounded: it continues-as-new past the policy's event
// threshold (or when the server suggests it), woken for it by signals as by updates,
// and hands over its whole state with nothing in flight. Time-skipping server.
import { readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { DEFAULT_POLICY_PATH, loadPolicy, parsePolicy } from '../../src/policy/load';
import type { IncidentState, Severity } from '../../src/domain/incident';
import { NOTE_KEYS_KEPT, incidentWorkflow } from '../../src/workflows/incident/incident-workflow';
import * as msg from '../../src/workflows/incident/messages';
import { breachWorkflowId } from '../../src/workflows/breach/messages';
import type { RecordBreachEventInput } from '../../src/workflows/breach/activities-contract';
import { eventually } from '../support/eventually';
import { RecordingActivities } from '../support/fake-activities';
import { timeSkippingEnv, withWorker } from '../support/time-skipping';

const MIN = 60_000;
const { incident: basePolicy, breach } = loadPolicy();

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// A workflow left running with no worker would stall the next test's time skipping.
const started: string[] = [];
afterEach(async () => {
  for (const id of started.splice(0)) {
    await env.client.workflow.getHandle(id).terminate('test finished').catch(() => undefined);
  }
});

function start(taskQueue: string, id: string, severity: Severity, continueAsNewAfterEvents: number) {
  started.push(id, breachWorkflowId(id));
  return env.client.workflow.start(incidentWorkflow, {
    workflowId: id,
    taskQueue,
    args: [{ id, title: 'Checkout returns 500', severity, declaredBy: 'U-alice' }, { ...basePolicy, continueAsNewAfterEvents, breach }],
  });
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
interface Run {
  runId: string;
  events: HistoryEvent[];
}

/**
 * Every run of the workflow, first to current, following each continue-as-new. A run
 * longer than `ceiling` fails here, by its length, before its history is fetched
 * (one past a few thousand events would not fit in a gRPC message).
 */
async function runsOf(handle: { workflowId: string; firstExecutionRunId: string }, ceiling: number): Promise<Run[]> {
  const runs: Run[] = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const run = env.client.workflow.getHandle(handle.workflowId, runId);
    const { historyLength } = await run.describe();
    if (historyLength >= ceiling) throw new Error(`run ${runs.length} has ${historyLength} events, ${ceiling} or more`);
    const events: HistoryEvent[] = (await run.fetchHistory()).events ?? [];
    runs.push({ runId, events });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The note keys signalled in a run, in the order received. */
function noteKeysSignalled(run: Run): string[] {
  return run.events.flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'addNote') return [];
    const data = signal.input?.payloads?.[0]?.data;
    const note = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { key?: string };
    return note.key ? [note.key] : [];
  });
}

/** Event ids must be `<id>:1 … <id>:n`, each once, each event's snapshot counting itself. */
function expectConsecutiveIds(acts: RecordingActivities, id: string): void {
  const ids = acts.events.map((e) => e.eventId);
  expect(new Set(ids).size).toBe(ids.length);
  const numbers = ids.map((eventId) => Number(eventId.slice(id.length + 1))).sort((a, b) => a - b);
  expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  for (const e of acts.events) expect(`${id}:${e.incident.eventCount}`).toBe(e.eventId);
}

/** Timeline entries in event-id order. */
function timeline(acts: RecordingActivities, id: string) {
  const n = (eventId: string) => Number(eventId.slice(id.length + 1));
  return [...acts.events].sort((a, b) => n(a.eventId) - n(b.eventId)).map((e) => e.entry);
}

test('the event threshold defaults to 10,000 for policies written before it, and one below 20 is refused naming the field', () => {
  const text = readFileSync(DEFAULT_POLICY_PATH, 'utf8');
  expect(text).not.toMatch(/continueAsNewAfterEvents/);
  expect(parsePolicy(text).incident.continueAsNewAfterEvents).toBe(10_000);
  const withField = (n: number) => text.replace(/^incident:\n/m, `incident:\n  continueAsNewAfterEvents: ${n}\n`);
  expect(parsePolicy(withField(500)).incident.continueAsNewAfterEvents).toBe(500);
  expect(() => parsePolicy(withField(5))).toThrow(/at incident\.continueAsNewAfterEvents/);
});

/**
 * Holds the write of one timeline entry until released, so a run that passed its
 * threshold stays handing over (it waits for that write) while the test sends more.
 * Only the first attempt is held; were it held past its 30 s timeout, it does not
 * count (Temporal would discard it) and the retry writes.
 */
function holdRecordOf(acts: RecordingActivities, text: string): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const write = acts.recordIncidentEvent;
  acts.recordIncidentEvent = async (input) => {
    if (input.entry.text === text && Context.current().info.attempt === 1) {
      const heldSince = Date.now();
      await gate;
      if (Date.now() - heldSince > 25_000) throw new Error('held past its start-to-close timeout');
    }
    await write(input);
  };
  return release;
}

test(
  'continued-as-new mid-incident while updates and notes arrive: nothing lost or applied twice, a repeated note key counts once, the escalation keeps its minute',
  async () => {
    const threshold = 40;
    const acts = new RecordingActivities();
    const id = 'INC-20310303-can1';
    const release = holdRecordOf(acts, 'note 2');
    await withWorker(env, acts, async (tq) => {
      const handle = await start(tq, id, 'SEV1', threshold); // SEV1: acknowledge within 15 minutes
      const note = (i: number, text = `note ${i}`) => handle.signal(msg.addNoteSignal, { actor: 'U-scribe', text, key: `slack:${i}` });
      await note(1);
      await eventually(async () => expect(acts.entries('note')).toHaveLength(1));
      await env.sleep(5 * MIN); // the hand-over comes 5 minutes into the 15-minute window

      // Note 2's write is held; notes behind it wait in the incident until the run passes its threshold.
      let sent = 1;
      while ((await handle.describe()).historyLength < threshold) await note((sent += 1));
      expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId);

      // Handing over: updates accepted one after another (each waits for its record), notes among them.
      const during = [
        { kind: 'role_assigned', start: () => handle.startUpdate(msg.assignRoleUpdate, { args: [{ actor: 'U-a', role: 'scribe', userId: 'U-scribe' }], waitForStage: WorkflowUpdateStage.ACCEPTED }) },
        { kind: 'status_update', start: () => handle.startUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-a', text: 'Looking into it' }], waitForStage: WorkflowUpdateStage.ACCEPTED }) },
        { kind: 'breach_suspected', start: () => handle.startUpdate(msg.suspectBreachUpdate, { args: [{ actor: 'U-a' }], waitForStage: WorkflowUpdateStage.ACCEPTED }) },
      ];
      const accepted = [];
      for (const update of during) {
        accepted.push(await update.start());
        await note((sent += 1));
      }
      expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId);
      const waitingAtRelease = sent;
      release();
      const answers = await Promise.all(accepted.map((u) => u.result()));
      expect(answers[2]).toMatchObject({ roles: { scribe: 'U-scribe' }, lastStatusUpdateAt: expect.any(String), breach: { suspectedBy: 'U-a' } });
      await eventually(async () => expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId));

      // After the hand-over: two updates at once, note 1 again (Slack retrying its event), more notes.
      const after = [
        handle.executeUpdate(msg.assignRoleUpdate, { args: [{ actor: 'U-a', role: 'communications', userId: 'U-comms' }] }),
        handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-a', text: 'Rolled back' }] }),
      ];
      await note(1, 'note 1 (retried)');
      const notes = sent + 5;
      while (sent < notes) await note((sent += 1));
      await Promise.all(after);
      await eventually(async () => expect(acts.entries('note')).toHaveLength(notes));

      // The acknowledgement deadline set in the first run falls at its minute in a later one.
      await env.sleep(9 * MIN);
      expect(acts.entries('ack_escalated')).toHaveLength(0);
      await env.sleep(2 * MIN);
      expect(acts.entries('ack_escalated').map((e) => Math.floor(e.minutes))).toEqual([15]);

      const entries = timeline(acts, id);
      expectConsecutiveIds(acts, id);
      expect(entries[0]?.kind).toBe('declared');
      expect(entries.at(-1)?.kind).toBe('ack_escalated');
      // Notes in the order sent, each once; the retried one not at all.
      expect(entries.filter((e) => e.kind === 'note').map((e) => e.text)).toEqual(Array.from({ length: notes }, (_, i) => `note ${i + 1}`));
      const changes = entries.filter((e) => !['declared', 'note', 'ack_escalated'].includes(e.kind));
      expect(changes.slice(0, 3).map((e) => e.kind)).toEqual(during.map((u) => u.kind));
      expect(changes.slice(3).map((e) => e.kind).sort()).toEqual(['role_assigned', 'status_update']);
      expect(entries).toHaveLength(1 + notes + 5 + 1);
      expect(acts.published.map((e) => e.eventId).sort()).toEqual(acts.events.map((e) => e.eventId).sort());
      expect(acts.notifications.map((n) => n.eventId)).toEqual([`${id}:n1`]);

      const state = await handle.query(msg.stateQuery);
      expect(state).toMatchObject({
        eventCount: entries.length,
        notificationCount: 1,
        escalations: 1,
        roles: { scribe: 'U-scribe', communications: 'U-comms' },
        breach: { suspectedBy: 'U-a' },
      });
      expect(state.noteKeys).toHaveLength(notes);
      expect(state.heldEntries).toBeUndefined();

      const runs = await runsOf(handle, 1_000);
      expect(runs.length).toBeGreaterThan(1);
      expect(runs.at(-1)?.runId).toBe((await handle.describe()).runId);
      // The first run accepted the three updates after passing its threshold, and answered them.
      const first = runs[0]!.events;
      const acceptedAt = first.flatMap((e) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [Number(e.eventId)] : []));
      expect(acceptedAt).toHaveLength(3);
      for (const at of acceptedAt) expect(at).toBeGreaterThan(threshold);
      expect(first.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toHaveLength(3);
      // It handed the notes behind the held one to the next run, which recorded them with the times they arrived.
      const handedOver = first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      const carried = JSON.parse(Buffer.from(handedOver?.input?.payloads?.[2]?.data ?? []).toString('utf8')) as IncidentState;
      const carriedNotes = Array.from({ length: waitingAtRelease - 2 }, (_, i) => `note ${i + 3}`);
      expect(carried.heldEntries?.map((e) => e.text)).toEqual(carriedNotes);
      const closedAt = first.at(-1)?.eventTime;
      const closedMs = Number(closedAt?.seconds) * 1000 + Math.floor((closedAt?.nanos ?? 0) / 1e6);
      for (const text of carriedNotes) expect(Date.parse(entries.find((e) => e.text === text)?.at ?? '')).toBeLessThanOrEqual(closedMs);
      // The retried key arrived in a later run than the original.
      const runsWithKey = runs.flatMap((r, i) => noteKeysSignalled(r).filter((k) => k === 'slack:1').map(() => i));
      expect(runsWithKey).toEqual([0, expect.any(Number)]);
      expect(runsWithKey[1]).toBeGreaterThan(0);
      // The escalation's timer fired in a later run than the one that set the deadline.
      expect(runs.findIndex((r) => r.events.some((e) => e.timerFiredEventAttributes))).toBeGreaterThan(0);
    });
  },
  300_000,
);

test(
  'a hand-over waiting on Slack (down for an hour) holds up no timer: the escalations fire at their minutes, before and after it',
  async () => {
    const threshold = 40;
    const acts = new RecordingActivities();
    const id = 'INC-20310303-can3';
    // Slack and the fallback mail both refuse until they are back: the notification
    // queue cannot drain (retried for 10 minutes, then the fallback for an hour).
    let down = true;
    const deliver = acts.deliverNotification;
    const fallBack = acts.sendFallbackNotification;
    acts.deliverNotification = async (n) => {
      if (down) throw new Error('Slack is down');
      return deliver(n);
    };
    acts.sendFallbackNotification = async (input) => {
      if (down) throw new Error('the mail server is down');
      return fallBack(input);
    };
    await withWorker(env, acts, async (tq) => {
      const handle = await start(tq, id, 'SEV1', threshold); // escalations at minutes 15, 30, 45
      await env.sleep(16 * MIN);
      expect(acts.entries('ack_escalated').map((e) => Math.floor(e.minutes))).toEqual([15]);

      // Past the threshold with the first escalation's notification stuck: the run is handing over.
      let sent = 0;
      const note = () => handle.signal(msg.addNoteSignal, { actor: 'U-a', text: `note ${(sent += 1)}`, key: `k${sent}` });
      while ((await handle.describe()).historyLength < threshold) await note();
      await note();
      await eventually(async () => expect((await handle.query(msg.stateQuery)).noteKeys).toContain(`k${sent}`));

      await env.sleep(15 * MIN);
      expect(acts.entries('ack_escalated').map((e) => Math.floor(e.minutes))).toEqual([15, 30]);
      expect(acts.entries('status_reminder').map((e) => Math.floor(e.minutes))).toEqual([30]);
      expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId);

      // Back at minute 31: the first escalation went by the fallback, retried at most 5 minutes
      // apart; the second is delivered after it; then the run hands over.
      down = false;
      await env.sleep(7 * MIN);
      await eventually(async () => expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId));
      expect(acts.fallbacks.map((f) => f.notification.eventId)).toEqual([`${id}:n1`]);
      // The second escalation and the status reminder, both due at minute 30.
      expect(acts.notifications.map((n) => n.eventId)).toEqual([`${id}:n2`, `${id}:n3`]);
      await env.sleep(7 * MIN);
      expect(acts.entries('ack_escalated').map((e) => Math.floor(e.minutes))).toEqual([15, 30, 45]);
      expectConsecutiveIds(acts, id);
      expect(acts.entries('note')).toHaveLength(sent);
    });
  },
  300_000,
);

// A flood: 2,000 keyed notes, then a repeat of a recent key and a sentinel behind it.
const THRESHOLD = 500;
const NOTES = 2_000;
/**
 * What a run adds past its threshold while it settles its last record and publish
 * (a few dozen events; up to 54 seen), with room for a loaded machine's larger batches.
 */
const MARGIN = 100;
const noteOf = (i: number) => ({ actor: 'U-bot', text: `alert chatter ${i}`, key: `slack:${i}` });

/**
 * Sends the flood with `send` (`inOrder`: one note after another, so the timeline
 * must keep their order), waits for the sentinel, checks what every flood must keep;
 * returns every run.
 */
async function flood(
  id: string,
  inOrder: boolean,
  send: (handle: WorkflowHandle, acts: RecordingActivities) => Promise<void>,
): Promise<Run[]> {
  const acts = new RecordingActivities();
  return withWorker(env, acts, async (tq) => {
    const handle = await start(tq, id, 'SEV4', THRESHOLD); // SEV4: no timer falls during the flood
    await send(handle, acts);
    // A repeat of a recent key is still recognised; the sentinel behind it shows it was seen.
    await handle.signal(msg.addNoteSignal, { ...noteOf(NOTES), text: 'repeat' });
    await handle.signal(msg.addNoteSignal, { actor: 'U-bot', text: 'sentinel', key: 'sentinel' });
    await eventually(async () => expect(acts.entries('note').at(-1)?.text).toBe('sentinel'), 600_000);

    expectConsecutiveIds(acts, id);
    const notes = timeline(acts, id).filter((e) => e.kind === 'note');
    const sent = [...Array.from({ length: NOTES }, (_, i) => noteOf(i + 1).text), 'sentinel'];
    const texts = notes.map((e) => e.text);
    expect(inOrder ? texts : [...texts].sort()).toEqual(inOrder ? sent : [...sent].sort());
    // Entries handed to a later run keep the time they arrived.
    const arrived = notes.map((e) => Date.parse(e.at));
    expect(arrived).toEqual([...arrived].sort((a, b) => a - b));

    // The last thousand keys follow the incident, oldest dropped first.
    const { noteKeys = [] } = await handle.query(msg.stateQuery);
    if (inOrder) {
      expect(noteKeys).toEqual([...Array.from({ length: NOTE_KEYS_KEPT - 1 }, (_, i) => noteOf(NOTES - NOTE_KEYS_KEPT + 2 + i).key), 'sentinel']);
    } else {
      expect(noteKeys).toHaveLength(NOTE_KEYS_KEPT);
      expect(noteKeys.at(-1)).toBe('sentinel');
      expect(noteKeys).toContain(noteOf(NOTES).key);
      expect(noteKeys).not.toContain(noteOf(1).key);
    }

    // Records carry the state without the run's bookkeeping: no event grows with the note keys.
    expect(acts.events.filter((e) => e.incident.noteKeys !== undefined || e.incident.heldEntries !== undefined)).toEqual([]);
    expect(Math.max(...acts.events.map((e) => JSON.stringify(e).length))).toBeLessThan(4_096);

    // Even at full speed, the signals and a threshold's worth (the assertions below are tighter).
    const runs = await runsOf(handle, NOTES + THRESHOLD + 4 * MARGIN);
    // Each note costs its signal, a record and a publish, about 10 events: 20,000 in all.
    expect(runs.length).toBeGreaterThanOrEqual(20);
    return runs;
  });
}

const signalsIn = (run: Run) => run.events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;

test(
  'a flood of 2,000 notes sent as fast as the incident records them: it continues-as-new again and again, each run under its threshold plus a small margin',
  async () => {
    const burst = 25;
    const runs = await flood('INC-20310303-paced', false, async (handle, acts) => {
      for (let sent = 0; sent < NOTES; sent += burst) {
        // The next burst once the one before it is recorded.
        await eventually(async () => expect(acts.entries('note').length).toBeGreaterThanOrEqual(sent - burst));
        await Promise.all(Array.from({ length: burst }, (_, i) => handle.signal(msg.addNoteSignal, noteOf(sent + i + 1))));
      }
    });
    for (const run of runs) expect(run.events.length).toBeLessThan(THRESHOLD + MARGIN + 2 * burst);
  },
  900_000,
);

test(
  'a flood of 2,000 notes at full speed: apart from the signals themselves, which land in the run they reach, every run stays under its threshold plus a small margin',
  async () => {
    const runs = await flood('INC-20310303-flood', true, async (handle) => {
      for (let i = 1; i <= NOTES; i += 1) await handle.signal(msg.addNoteSignal, noteOf(i));
    });
    // The server refuses to close a run while signals keep arriving, so a run the
    // flood reaches holds its signals; their records wait and go to later runs.
    for (const run of runs) expect(run.events.length - signalsIn(run)).toBeLessThan(THRESHOLD + MARGIN);
    const afterTheFlood = runs.filter((run) => signalsIn(run) === 0);
    expect(afterTheFlood.length).toBeGreaterThanOrEqual(10);
    for (const run of afterTheFlood) expect(run.events.length).toBeLessThan(THRESHOLD + MARGIN);
  },
  900_000,
);

// Last: its breach child is the one workflow here that outlives its incident's test.
test(
  'a breach verified while the incident hands over is started before the hand-over, not lost with the run',
  async () => {
    const threshold = 40;
    const acts = new RecordingActivities();
    const id = 'INC-20310303-can2';
    const release = holdRecordOf(acts, 'note 1');
    // The breach child records its clock and then waits for its first reminder (12 h).
    const breachRecords: RecordBreachEventInput[] = [];
    const withBreach = Object.assign(acts, { recordBreachEvent: async (e: RecordBreachEventInput) => void breachRecords.push(e) });
    await withWorker(env, withBreach, async (tq) => {
      const handle = await start(tq, id, 'SEV2', threshold);
      let sent = 0;
      const note = () => handle.signal(msg.addNoteSignal, { actor: 'U-a', text: `note ${(sent += 1)}`, key: `k${sent}` });
      while ((await handle.describe()).historyLength < threshold) await note();
      // One more, and once the incident has taken it, it has seen its history past the threshold: it is handing over.
      await note();
      await eventually(async () => expect((await handle.query(msg.stateQuery)).noteKeys).toContain(`k${sent}`));
      const verify = await handle.startUpdate(msg.verifyBreachUpdate, { args: [{ actor: 'U-dpo' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      release();
      expect((await verify.result()).breach?.workflowId).toBe(breachWorkflowId(id));
      await eventually(async () => expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId));

      const [first] = await runsOf(handle, 1_000);
      const kinds = first!.events.map((e) =>
        e.startChildWorkflowExecutionInitiatedEventAttributes ? 'child' : e.workflowExecutionContinuedAsNewEventAttributes ? 'continued' : '',
      );
      expect(kinds.filter(Boolean)).toEqual(['child', 'continued']);
      const child = await env.client.workflow.getHandle(breachWorkflowId(id)).describe();
      expect(child.type).toMatch(/^breachNotificationWorkflow/);
      await eventually(async () => expect(breachRecords.map((e) => e.eventId)).toEqual([`${breachWorkflowId(id)}:1`]));
      await eventually(async () => expect(acts.entries('note')).toHaveLength(sent));
    });
  },
  300_000,
);
