// Slack failing for good (an archived channel, a deactivated account) must not
// stop a clock: every timer still fires on time, each notification Slack
// refuses is recorded in the timeline and emailed to the policy's fallback
// address, and the breach still misses, sends and completes.
import { completeNotice } from '../support/breach-harness';
import { CHANNELS, FALLBACK_EMAIL, HOUR, MIN, OFFICER, fullWorkerHarnessPerFile } from '../support/full-worker-harness';

jest.setTimeout(300_000);
const harness = fullWorkerHarnessPerFile();

const fallbackSubjects = (h: ReturnType<typeof harness>, incidentId: string) =>
  h.smtp.messages.filter((m) => m.to.includes(FALLBACK_EMAIL) && (m.parsed.subject ?? '').includes(incidentId)).map((m) => m.parsed.subject ?? '');

test('an archived incident channel: escalations keep coming at their minutes, each failure recorded and emailed', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'Queue backlog', severity: 'SEV1', declaredBy: 'U0ALICE' });
  const t0 = Date.parse(incident.declaredAt);
  const channel = await h.channelOf(incident.id);
  h.slack.state.channels.get(channel)!.is_archived = true; // someone archived it: is_archived on every post

  await h.advance(50 * MIN, 5 * MIN);
  expect(await h.minutesOf(incident.id, 'ack_escalated', t0)).toEqual([15, 30, 45]);
  // Each escalation and the status reminder at 30 min failed in the channel: recorded and emailed.
  const failed = await h.database.prisma.timelineEntry.findMany({ where: { incidentId: incident.id, kind: 'notification_failed' } });
  expect(failed.map((f) => f.text)).toEqual([
    expect.stringMatching(/^The ack escalation for incident-channel, on-call could not be delivered \(Slack chat.postMessage failed: is_archived\); sent by email to 1 fallback address\(es\) instead\.$/),
    expect.stringContaining('The ack escalation for incident-channel, incident-response-lead'),
    expect.stringContaining('The status reminder for incident-channel, on-call'),
    expect.stringContaining('The ack escalation for incident-channel, executive'),
  ]);
  expect(fallbackSubjects(h, incident.id)).toEqual([
    `[Rampart] ${incident.id}: ack escalation (not delivered in Slack)`,
    `[Rampart] ${incident.id}: ack escalation (not delivered in Slack)`,
    `[Rampart] ${incident.id}: status reminder (not delivered in Slack)`,
    `[Rampart] ${incident.id}: ack escalation (not delivered in Slack)`,
  ]);
  const mail = h.smtp.messages.find((m) => m.to.includes(FALLBACK_EMAIL));
  expect(mail?.parsed.text).toContain('has not been acknowledged');
  // The incident runs on and takes changes.
  const acked = await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' });
  expect(acked.acknowledgedBy).toBe('U0BOB');
});

test('Slack refusing the channel and every direct message: the breach still reminds, misses, sends and completes', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'Billing export exposed', severity: 'SEV3', declaredBy: 'U0ALICE' });
  await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' });
  await h.incidents.suspectBreach(incident.id, { actor: 'U0BOB' });
  const verified = await h.incidents.verifyBreach(incident.id, { actor: OFFICER });
  const breachId = verified.breach!.workflowId!;
  const t0 = Date.parse(verified.breach!.verifiedAt!);
  const hoursOf = async (kind: string) => (await h.minutesOf(incident.id, kind, t0)).map((m) => Math.floor(m / 60));
  const customers = [{ name: 'Acme GmbH', contacts: ['it@acme.example'], dataAffected: 'invoices' }];
  await h.breaches.setCustomers(breachId, { actor: 'U0BOB', customers });
  await h.breaches.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });

  h.slack.state.channels.get(await h.channelOf(incident.id))!.is_archived = true;
  h.slack.failNext('conversations.open', { error: 'account_inactive' }, 1000); // the officer's DM, the commander's

  await h.advance(25 * HOUR + 30 * MIN, 30 * MIN);
  expect(await hoursOf('breach_reminder')).toEqual([12, 18, 22, 23, 25]);
  expect(await hoursOf('breach_deadline_missed')).toEqual([24]);
  expect(await hoursOf('breach_authority_reminder')).toEqual([24]);
  const failures = (await h.database.prisma.timelineEntry.findMany({ where: { incidentId: incident.id, kind: 'notification_failed' } })).map((f) => f.text);
  expect(failures.filter((t) => t.startsWith('The breach reminder'))).toHaveLength(4);
  expect(failures.filter((t) => t.startsWith('The breach deadline missed'))).toHaveLength(2); // the miss, then hourly
  expect(failures.filter((t) => t.startsWith('The authority reminder'))).toHaveLength(1);
  expect(fallbackSubjects(h, incident.id).filter((s) => s.includes('breach reminder'))).toHaveLength(4);
  // The executive's channel (policy breach.executiveTarget) still works: it heard of the
  // miss and each hour after, though the officer's DM and the incident channel failed.
  expect(h.posts(CHANNELS.executive, `${incident.id}: the 24-hour breach notification deadline`)).toHaveLength(1);
  expect(h.posts(CHANNELS.executive, `${incident.id}: breach notices are overdue`)).toHaveLength(1);

  await h.breaches.approve(breachId, { actor: OFFICER });
  await h.advance(30 * MIN, 10 * MIN);
  expect(h.smtp.countTo('it@acme.example')).toBe(1);
  await h.breaches.authorityNotified(breachId, { actor: OFFICER, reference: 'ICO-2031-9' });
  await h.advance(HOUR, 10 * MIN);
  expect((await h.env.client.workflow.getHandle(breachId).describe()).status.name).toBe('COMPLETED');
  expect((await h.env.client.workflow.getHandle(incident.id).describe()).status.name).toBe('RUNNING');
});
