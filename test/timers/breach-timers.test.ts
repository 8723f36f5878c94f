// Every breach timer, fired by the time-skipping server and carried out by the
// real worker: the breach runs as the child its incident starts on
// verification, each reminder lands in PostgreSQL's timeline, reaches the
// officer and the executive in (fake) Slack, and the notices reach the mail
// server.
import { completeNotice } from '../support/breach-harness';
import { CHANNELS, HOUR, MIN, OFFICER, fullWorkerHarnessPerFile } from '../support/full-worker-harness';

jest.setTimeout(300_000);
const harness = fullWorkerHarnessPerFile();

const customers = [
  { name: 'Acme GmbH', contacts: ['it@acme.example', 'dpo@acme.example'], dataAffected: 'invoices' },
  { name: 'Globex', contacts: ['privacy@globex.example'], dataAffected: 'billing addresses' },
];

test('unapproved: ladder at 12/18/22/23 h, the miss at 24 h escalated, hourly after; late notices sent once; GDPR reminders until the authority is notified', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'Billing export exposed', severity: 'SEV2', declaredBy: 'U0ALICE' });
  await h.incidents.acknowledge(incident.id, { actor: 'U0BOB' });
  await h.incidents.suspectBreach(incident.id, { actor: 'U0BOB' });
  const verified = await h.incidents.verifyBreach(incident.id, { actor: OFFICER });
  const breachId = verified.breach!.workflowId!;
  const t0 = Date.parse(verified.breach!.verifiedAt!);
  const hoursOf = async (kind: string) => (await h.minutesOf(incident.id, kind, t0)).map((m) => Math.floor(m / 60));

  await h.breaches.setCustomers(breachId, { actor: 'U0BOB', customers });
  await h.breaches.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });
  await h.advance(27 * HOUR + 30 * MIN, 30 * MIN);

  // The ladder and, after the miss, the hourly reminders (the same kind).
  expect(await hoursOf('breach_reminder')).toEqual([12, 18, 22, 23, 25, 26, 27]);
  expect(await hoursOf('breach_deadline_missed')).toEqual([24]);
  expect(await hoursOf('breach_authority_reminder')).toEqual([24]);
  const breachRow = await h.database.prisma.breach.findUniqueOrThrow({ where: { id: breachId } });
  expect(Math.round((breachRow.missedAt!.getTime() - t0) / MIN)).toBe(24 * 60);

  // Who heard what, in Slack: the officer by DM and the incident channel each
  // reminder; the executive (policy breach.executiveTarget) the miss and after.
  const channel = await h.channelOf(incident.id);
  const dueBy = `${incident.id}: breach notices are due by`;
  const missed = `${incident.id}: the 24-hour breach notification deadline`;
  const overdue = `${incident.id}: breach notices are overdue since`;
  expect(h.posts(OFFICER, dueBy)).toHaveLength(4);
  expect(h.posts(channel, dueBy)).toHaveLength(4);
  expect(h.posts(OFFICER, missed)).toHaveLength(1);
  expect(h.posts(CHANNELS.executive, missed)).toHaveLength(1);
  expect(h.posts(CHANNELS.executive, overdue)).toHaveLength(3);
  expect(h.posts(OFFICER, overdue)).toHaveLength(3);
  expect(h.posts(OFFICER, `${incident.id}: the supervisory authority must be notified`)).toHaveLength(1);
  // The incident follows its breach: the miss shows in its timeline.
  expect(await hoursOf('breach_progress')).toEqual([24]);
  expect(h.smtp.messages).toHaveLength(0);

  await h.breaches.approve(breachId, { actor: OFFICER });
  await h.advance(30 * MIN, 10 * MIN);
  const state = await h.breaches.get(breachId);
  expect(state.status).toBe('sent');
  expect(state.deliveries.map((d) => [d.email, d.status, d.late])).toEqual(
    customers.flatMap((c) => c.contacts.map((email) => [email, 'sent', true])),
  );
  for (const c of customers) for (const email of c.contacts) expect(h.smtp.countTo(email)).toBe(1);
  const rows = await h.database.prisma.breachDelivery.findMany({ where: { breachId } });
  expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);

  // Once every notice is out the after-miss reminders stop; the GDPR clock goes on.
  await h.advance(48 * HOUR, HOUR);
  expect(await hoursOf('breach_reminder')).toEqual([12, 18, 22, 23, 25, 26, 27]);
  expect(await hoursOf('breach_authority_reminder')).toEqual([24, 48, 60, 70]);
  expect(h.posts(channel, `${incident.id}: the supervisory authority must be notified`)).toHaveLength(4);

  const notified = await h.breaches.authorityNotified(breachId, { actor: OFFICER, reference: 'ICO-2031-77' });
  expect(notified.authority.notifiedAt).toBeDefined();
  await h.advance(24 * HOUR, HOUR);
  expect(await hoursOf('breach_authority_reminder')).toEqual([24, 48, 60, 70]);
  const done = await h.env.client.workflow.getHandle(breachId).describe();
  expect(done.status.name).toBe('COMPLETED');
});
