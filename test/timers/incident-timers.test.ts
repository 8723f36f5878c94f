// Every incident timer, fired by the time-skipping server and carried out by the
// real activities: the timeline row lands in PostgreSQL, the message in the
// incident channel and at the escalation step's target in (fake) Slack.
import { CHANNELS, HOUR, MIN, fullWorkerHarnessPerFile } from '../support/full-worker-harness';
import { skipToNext } from '../support/time-skipping';

jest.setTimeout(300_000);
const harness = fullWorkerHarnessPerFile();

test('an unacknowledged SEV1 escalates up the whole chain at each 15-minute miss, then stops once acknowledged', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'Checkout returns 500', severity: 'SEV1', declaredBy: 'U0ALICE' });
  const t0 = Date.parse(incident.declaredAt);
  await h.advance(50 * MIN, 5 * MIN);

  expect(await h.minutesOf(incident.id, 'ack_escalated', t0)).toEqual([15, 30, 45]);
  // Each step of policy.escalation.chain, at its own Slack target: on-call, lead, executive.
  const notAcked = `${incident.id} (SEV1) "Checkout returns 500" has not been acknowledged`;
  expect(h.posts(CHANNELS.onCall, notAcked)).toHaveLength(1);
  expect(h.posts(CHANNELS.lead, notAcked)).toHaveLength(1);
  expect(h.posts(CHANNELS.executive, notAcked)).toHaveLength(1);
  expect(h.posts(CHANNELS.lead, notAcked)[0]).toContain('escalating to incident-response-lead');
  const channel = await h.channelOf(incident.id);
  expect(h.posts(channel, notAcked)).toHaveLength(3);

  await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' });
  await h.advance(HOUR, 5 * MIN);
  expect(await h.minutesOf(incident.id, 'ack_escalated', t0)).toEqual([15, 30, 45]);
  expect(h.posts(channel, notAcked)).toHaveLength(3);
});

test('status-update reminders reach the channel and the commander at the severity cadence, counted from the last update', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'Search is slow', severity: 'SEV2', declaredBy: 'U0ALICE' });
  const t0 = Date.parse(incident.declaredAt);
  await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' }); // U0BOB becomes commander
  await h.advance(2 * HOUR + 30 * MIN);
  expect(await h.minutesOf(incident.id, 'status_reminder', t0)).toEqual([60, 120]);

  const updated = await h.incidents.postStatus(incident.id, { actor: 'U0BOB', text: 'Index rebuilt; watching latency.' });
  const updatedAt = Date.parse(updated.lastStatusUpdateAt!);
  await h.advance(2 * HOUR + 5 * MIN); // past the second reminder, not up to its edge
  const afterUpdate = (await h.minutesOf(incident.id, 'status_reminder', updatedAt)).filter((m) => m >= 0);
  expect(afterUpdate).toEqual([60, 120]);

  const due = `${incident.id} (SEV2): a status update is due`;
  expect(h.posts(await h.channelOf(incident.id), due)).toHaveLength(4);
  expect(h.posts('U0BOB', due)).toHaveLength(4); // the commander, by direct message
});

test('the postmortem is announced the day before it is due and chased daily once overdue, in the channel and by the commander', async () => {
  const h = harness();
  await skipToNext(h.env, 4, 9); // resolve on a Thursday morning: due the next Thursday
  const incident = await h.declare({ title: 'Login fails', severity: 'SEV3', declaredBy: 'U0ALICE' });
  await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' });
  const resolved = await h.incidents.resolve(incident.id, { actor: 'U0BOB', note: 'expired certificate replaced' });
  const dueAt = Date.parse(resolved.postmortemDueAt!);
  expect(dueAt - Date.parse(resolved.resolvedAt!)).toBe(7 * 24 * HOUR);

  await h.advance(dueAt - (await h.now()) + 2 * 24 * HOUR + HOUR, 6 * HOUR);
  const hours = (await h.minutesOf(incident.id, 'postmortem_reminder', dueAt)).map((m) => Math.round(m / 60));
  expect(hours).toEqual([-24, 0, 24, 48]);

  const channel = await h.channelOf(incident.id);
  expect(h.posts(channel, `${incident.id}: the postmortem is due`)).toHaveLength(1);
  expect(h.posts(channel, `${incident.id}: the postmortem is overdue`)).toHaveLength(3);
  // Overdue reminders also go to the first step of the escalation chain.
  expect(h.posts(CHANNELS.onCall, `${incident.id}: the postmortem is overdue`)).toHaveLength(3);
  expect(h.posts('U0BOB', `${incident.id}: the postmortem is`)).toHaveLength(4);
  // Resolution posted the postmortem draft to the channel.
  expect(h.posts(channel, 'Postmortem draft')).toHaveLength(1);
});
