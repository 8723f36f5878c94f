// The incident policy on the time-skipping server: days of timers in seconds.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadPolicy } from '../../src/policy/load';
import { incidentWorkflow } from '../../src/workflows/incident/incident-workflow';
import * as msg from '../../src/workflows/incident/messages';
import type { Severity } from '../../src/domain/incident';
import { RecordingActivities } from '../support/fake-activities';
import { skipToNext, timeSkippingEnv, withWorker } from '../support/time-skipping';

const policy = loadPolicy().incident;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// The time-skipping server only skips while every workflow is idle: a workflow
// left running with no worker would stall the next test.
const started: string[] = [];
afterEach(async () => {
  for (const id of started.splice(0)) {
    await env.client.workflow.getHandle(id).terminate('test finished').catch(() => undefined);
  }
});

let n = 0;
function start(taskQueue: string, severity: Severity) {
  const id = `INC-20261122-t${(n += 1)}`;
  started.push(id);
  return env.client.workflow.start(incidentWorkflow, {
    workflowId: id,
    taskQueue,
    args: [{ id, title: 'Checkout returns 500', severity, declaredBy: 'U-alice' }, policy],
  });
}

const minutesOf = (entries: { minutes: number }[]) => entries.map((e) => Math.floor(e.minutes));

test('a SEV1 left unacknowledged escalates at the policy minute, up the chain, and stops once acknowledged', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV1');
    await env.sleep(14 * MIN);
    expect(acts.entries('ack_escalated')).toHaveLength(0);

    await env.sleep(2 * MIN);
    expect(minutesOf(acts.entries('ack_escalated'))).toEqual([15]);
    const first = acts.notifications.find((x) => x.kind === 'ack_escalation');
    expect(first?.audience).toEqual(['incident-channel', 'on-call']);

    await env.sleep(15 * MIN);
    expect(minutesOf(acts.entries('ack_escalated'))).toEqual([15, 30]);
    expect(acts.notifications.filter((x) => x.kind === 'ack_escalation').map((x) => x.audience[1])).toEqual([
      'on-call',
      'incident-response-lead',
    ]);

    const acked = await handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
    expect(acked.roles.commander).toBe('U-bob');
    await env.sleep(3 * HOUR);
    expect(acts.entries('ack_escalated')).toHaveLength(2);
    expect((await handle.query(msg.stateQuery)).escalations).toBe(2);
  });
});

test('status-update reminders fire at the severity cadence across days and restart after each update', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV3'); // status update every 1 day
    await handle.executeUpdate(msg.triageUpdate, { args: [{ actor: 'U-bob' }] });
    await env.sleep(3 * DAY + 12 * HOUR);
    expect(minutesOf(acts.entries('status_reminder'))).toEqual([1440, 2880, 4320]);
    expect(acts.notifications.filter((x) => x.kind === 'status_reminder')[0]?.audience).toEqual([
      'incident-channel',
      'U-bob',
    ]);

    await handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-bob', text: 'Rolled back; watching.' }] });
    await env.sleep(2 * DAY + HOUR);
    // Next reminders: one cadence after the update (day 4.5), then day 5.5.
    expect(minutesOf(acts.entries('status_reminder'))).toEqual([1440, 2880, 4320, 6480, 7920]);

    // A severity raise applies its faster cadence from then on: the last update is
    // older than SEV2's hour, so one reminder at once, then one every hour.
    await handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-bob', severity: 'SEV2' }] });
    await env.sleep(2 * HOUR + 30 * MIN);
    expect(minutesOf(acts.entries('status_reminder'))).toEqual([1440, 2880, 4320, 6480, 7920, 7980, 8040, 8100]);
  });
});

test('raising severity on an unacknowledged incident applies the tighter deadline at once', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV4'); // acknowledge within 1 day
    await env.sleep(40 * MIN);
    expect(acts.entries('ack_escalated')).toHaveLength(0);
    await handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-carol', severity: 'SEV1' }] });
    await env.sleep(1 * MIN);
    // SEV1 allows 15 minutes from declaration: two windows have passed, one escalation now.
    expect(acts.entries('ack_escalated')).toHaveLength(1);
    expect(Math.floor(acts.entries('ack_escalated')[0]!.minutes)).toBe(40);
  });
});

test('after resolution the postmortem is due in business days, announced, chased when overdue, then closed', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    await skipToNext(env, 4, 9); // a Thursday morning
    const handle = await start(tq, 'SEV2');
    await handle.executeUpdate(msg.mitigateUpdate, { args: [{ actor: 'U-bob' }] });
    const resolved = await handle.executeUpdate(msg.resolveUpdate, { args: [{ actor: 'U-bob', note: 'fixed' }] });
    const resolvedAt = Date.parse(resolved.resolvedAt!);
    const dueAt = Date.parse(resolved.postmortemDueAt!);
    // Resolved on a Thursday: five business days later is the next Thursday, same
    // time; the weekend does not count (a calendar count would say Tuesday).
    expect(new Date(resolvedAt).getUTCDay()).toBe(4);
    expect(dueAt - resolvedAt).toBe(7 * DAY);

    await expect(handle.executeUpdate(msg.closeUpdate, { args: [{ actor: 'U-bob' }] })).rejects.toThrow(
      WorkflowUpdateFailedError,
    );

    await env.sleep(dueAt - resolvedAt + 2 * DAY + HOUR);
    const reminders = acts.events.filter((e) => e.entry.kind === 'postmortem_reminder');
    const offsets = reminders.map((e) => Math.round((Date.parse(e.entry.at) - dueAt) / HOUR));
    expect(offsets).toEqual([-24, 0, 24, 48]);
    expect(reminders[1]?.entry.text).toContain('overdue');

    await handle.executeUpdate(msg.completePostmortemUpdate, {
      args: [{ actor: 'U-bob', document: '# Postmortem\nRoot cause: bad deploy.' }],
    });
    await handle.executeUpdate(msg.addActionUpdate, { args: [{ actor: 'U-bob', title: 'Add canary', owner: 'U-dan' }] });
    await env.sleep(3 * DAY);
    expect(acts.events.filter((e) => e.entry.kind === 'postmortem_reminder')).toHaveLength(4);

    const closed = await handle.executeUpdate(msg.closeUpdate, { args: [{ actor: 'U-bob' }] });
    expect(closed.status).toBe('CLOSED');
    const result = await handle.result();
    expect(result.status).toBe('CLOSED');
    expect(result.actions).toHaveLength(1);
  });
});

/** Wall-clock time in Los Angeles, e.g. "Fri 2031-03-14 17:00". */
function inLosAngeles(ms: number): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

test('a Los Angeles policy: resolved Friday 17:00 in Los Angeles, the postmortem is due Monday 17:00 there', async () => {
  const acts = new RecordingActivities();
  const losAngeles = { ...policy, postmortem: { ...policy.postmortem, timeZone: 'America/Los_Angeles', dueAfterBusinessDays: 1 } };
  await withWorker(env, acts, async (tq) => {
    // Saturday 00:00 UTC is Friday 17:00 in Los Angeles in summer time, 16:00 in winter time.
    const saturdayUtc = await skipToNext(env, 6, 0);
    if (inLosAngeles(saturdayUtc.getTime()).endsWith('16:00')) await env.sleep(HOUR);
    const id = 'INC-20261122-la';
    started.push(id);
    const handle = await env.client.workflow.start(incidentWorkflow, {
      workflowId: id,
      taskQueue: tq,
      args: [{ id, title: 'Checkout returns 500', severity: 'SEV2', declaredBy: 'U-alice' }, losAngeles],
    });
    const resolved = await handle.executeUpdate(msg.resolveUpdate, { args: [{ actor: 'U-bob' }] });
    const resolvedAt = Date.parse(resolved.resolvedAt!);
    const dueAt = Date.parse(resolved.postmortemDueAt!);
    expect(inLosAngeles(resolvedAt)).toMatch(/^Fri \S+ 17:00$/);
    // Counted in UTC (Saturday) it would be Monday 00:00 or 01:00 UTC: Sunday afternoon in Los Angeles.
    const monday = new Date(Date.parse(inLosAngeles(resolvedAt).slice(4, 14)) + 3 * DAY).toISOString().slice(0, 10);
    expect(inLosAngeles(dueAt)).toBe(`Mon ${monday} 17:00`);
    expect(acts.entries('resolved')[0]?.text).toContain(`postmortem due ${resolved.postmortemDueAt}`);
  });
});

test('invalid actions are refused by the validators and leave no trace in the timeline', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV3');
    const refuse = (p: Promise<unknown>, message: RegExp) =>
      expect(p).rejects.toMatchObject({ cause: { message: expect.stringMatching(message) } });

    await refuse(handle.executeUpdate(msg.startPostmortemUpdate, { args: [{ actor: 'U-a' }] }), /cannot startPostmortem an incident that is declared/);
    await refuse(handle.executeUpdate(msg.assignRoleUpdate, { args: [{ actor: 'U-a', role: 'wizard', userId: 'U-b' }] }), /unknown role "wizard"/);
    await refuse(handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-a', severity: 'SEV3' }] }), /already SEV3/);
    await refuse(handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-a', text: '  ' }] }), /empty/);
    await refuse(handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: '' }] }), /actor is required/);

    const state = await handle.query(msg.stateQuery);
    expect(state.eventCount).toBe(1); // only "declared"
    expect(acts.events.map((e) => e.entry.kind)).toEqual(['declared']);
  });
});

test('every event gets a distinct, stable idempotency key', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV2');
    await handle.executeUpdate(msg.assignRoleUpdate, { args: [{ actor: 'U-a', role: 'scribe', userId: 'U-s' }] });
    await handle.signal(msg.addNoteSignal, { actor: 'U-a', text: 'Customer reports in #support' });
    await handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: 'U-a' }] });
    const ids = acts.events.map((e) => e.eventId);
    expect(ids).toEqual([1, 2, 3, 4].map((k) => `${handle.workflowId}:${k}`));
    expect(acts.events.map((e) => e.entry.kind)).toEqual(['declared', 'role_assigned', 'note', 'acknowledged']);
  });
});

test('only the commander or the incident-response group may change severity, resolve or close', async () => {
  const acts = new RecordingActivities();
  const guarded = { ...policy, responders: ['U-lead'] };
  await withWorker(env, acts, async (tq) => {
    const id = 'INC-20261122-perm';
    started.push(id);
    const handle = await env.client.workflow.start(incidentWorkflow, {
      workflowId: id,
      taskQueue: tq,
      args: [{ id, title: 'Permissions', severity: 'SEV3', declaredBy: 'U-alice' }, guarded],
    });
    const denied = /only the commander or the incident-response group/;
    await expect(handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-alice', severity: 'SEV1' }] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(denied) },
    });
    await expect(handle.executeUpdate(msg.resolveUpdate, { args: [{ actor: 'U-alice' }] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(denied) },
    });
    // Anyone may acknowledge; the acknowledger becomes commander and may then direct.
    await handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: 'U-bob' }] });
    await handle.executeUpdate(msg.setSeverityUpdate, { args: [{ actor: 'U-bob', severity: 'SEV2' }] });
    await handle.executeUpdate(msg.resolveUpdate, { args: [{ actor: 'U-lead' }] });
    expect((await handle.query(msg.stateQuery)).status).toBe('RESOLVED');
  });
});

test('every recorded event is published to connectors, in order, after it is recorded', async () => {
  const acts = new RecordingActivities();
  await withWorker(env, acts, async (tq) => {
    const handle = await start(tq, 'SEV2');
    await handle.executeUpdate(msg.acknowledgeUpdate, { args: [{ actor: 'U-a' }] });
    await handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-a', text: 'Looking' }] });
    await env.sleep(1000);
    expect(acts.published.map((e) => e.entry.kind)).toEqual(['declared', 'acknowledged', 'status_update']);
    // Each event is published only after its record was written, and in the order recorded.
    const at = (op: 'record' | 'publish', eventId: string) => acts.calls.findIndex((c) => c.op === op && c.eventId === eventId);
    const ids = acts.events.map((e) => e.eventId);
    expect(acts.published.map((e) => e.eventId)).toEqual(ids);
    for (const id of ids) expect(at('publish', id)).toBeGreaterThan(at('record', id));
  });
});
