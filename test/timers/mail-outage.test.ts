// A mail server down for 30 hours must hold back no deadline: the breach's
// ladder, its miss, the hourly reminders after it and the GDPR reminders fire at
// their hours while every send is refused, and once the server is back each
// contact gets exactly one notice.
import { completeNotice } from '../support/breach-harness';
import { CHANNELS, HOUR, MIN, OFFICER, fullWorkerHarnessPerFile } from '../support/full-worker-harness';

jest.setTimeout(600_000);
const harness = fullWorkerHarnessPerFile();

test('SMTP refusing connections for 30 hours: every breach timer fires on time; afterwards one notice per contact', async () => {
  const h = harness();
  const incident = await h.declare({ title: 'CRM export exposed', severity: 'SEV3', declaredBy: 'U0ALICE' });
  await h.incidents.suspectBreach(incident.id, { actor: 'U0BOB' });
  const verified = await h.incidents.verifyBreach(incident.id, { actor: OFFICER });
  const breachId = verified.breach!.workflowId!;
  const t0 = Date.parse(verified.breach!.verifiedAt!);
  const hoursOf = async (kind: string) => (await h.minutesOf(incident.id, kind, t0)).map((m) => Math.floor(m / 60));
  const customers = [
    { name: 'Initech', contacts: ['sec@initech.example', 'legal@initech.example'], dataAffected: 'contact names' },
    { name: 'Umbrella', contacts: ['dpo@umbrella.example'], dataAffected: 'contact names' },
  ];
  await h.breaches.setCustomers(breachId, { actor: 'U0BOB', customers });
  await h.breaches.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });

  await h.smtp.stopListening(); // connections refused from now on
  await h.advance(HOUR, 30 * MIN);
  await h.breaches.approve(breachId, { actor: OFFICER }); // at T0+1h, into the outage
  await h.advance(29 * HOUR + 30 * MIN, 30 * MIN);

  // Nothing went out, yet every clock kept its hour.
  expect(h.smtp.messages).toHaveLength(0);
  expect(await hoursOf('breach_reminder')).toEqual([12, 18, 22, 23, 25, 26, 27, 28, 29, 30]);
  expect(await hoursOf('breach_deadline_missed')).toEqual([24]);
  expect(await hoursOf('breach_authority_reminder')).toEqual([24]);
  expect(h.posts(CHANNELS.executive, `${incident.id}: the 24-hour breach notification deadline`)).toHaveLength(1);
  // The officers heard about the mail server at once and then about hourly, not more.
  const failing = await hoursOf('breach_delivery_failing');
  expect(failing[0]).toBe(1);
  expect(failing.length).toBeGreaterThanOrEqual(28);
  expect(failing.length).toBeLessThanOrEqual(30);
  const during = await h.breaches.get(breachId);
  expect(during.deliveries.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);

  await h.smtp.listenAgain();
  await h.advance(15 * MIN, 5 * MIN); // past the longest pause between attempts (5 min)
  const after = await h.breaches.get(breachId);
  expect(after.status).toBe('sent');
  expect(after.deliveries.every((d) => d.status === 'sent' && d.late)).toBe(true);
  for (const c of customers) for (const email of c.contacts) expect(h.smtp.countTo(email)).toBe(1);
});
