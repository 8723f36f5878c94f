// A mail server that refuses Rampart's own login is a configuration error, not
// a customer's bad address and not a passing outage: the officers are told at
// the first attempt, in words that point at SMTP_URL, and nothing is sent.
import { createBreachMailActivities } from '../../src/activities/breach-mail';
import { createMailer } from '../../src/mail/mailer';
import * as msg from '../../src/workflows/breach/messages';
import { affectedCustomers, breachHarnessPerFile, completeNotice, until } from '../support/breach-harness';
import { startTestSmtpServer } from '../support/smtp';

jest.setTimeout(240_000);
const harness = breachHarnessPerFile();

test('SMTP 535 (wrong password): officers and the channel hear within a minute of the first attempt that SMTP_URL is wrong', async () => {
  const h = harness();
  const server = await startTestSmtpServer({ requireLogin: { user: 'rampart', pass: 'right' } });
  const mailer = createMailer({ smtpUrl: `smtp://rampart:wrong@127.0.0.1:${server.port}`, outboxDir: '/nonexistent' });
  try {
    const wrongPassword = createBreachMailActivities({ db: h.database.prisma, mailer, from: 'privacy@example.com', companyName: 'Example Ltd' });
    await h.withWorker(async (tq) => {
      const { handle, incidentId } = await h.startBreach(tq);
      await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: affectedCustomers('m', 1) }] });
      await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: completeNotice }] });
      const approved = await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });

      const told = await until(async () => h.told.find((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_failing'));
      expect(told.audience).toEqual(expect.arrayContaining(['U0DPO', 'incident-channel']));
      expect(told.text).toMatch(/the mail server refuses Rampart's login \(.*535.*\); check SMTP_URL/);
      const entry = await until(() => h.database.prisma.timelineEntry.findFirst({ where: { incidentId, kind: 'breach_delivery_failing' } }).then((e) => e ?? undefined));
      expect(entry.occurredAt.getTime() - Date.parse(approved.approvedAt!)).toBeLessThan(60_000); // server time
      expect(server.messages).toHaveLength(0);
      const rows = await h.database.prisma.breachDelivery.findMany({ where: { breachId: approved.id } });
      expect(rows.map((r) => [r.status, r.error])).toEqual(rows.map(() => ['pending', expect.stringContaining('check SMTP_URL')]));
    }, wrongPassword);
  } finally {
    await mailer.close();
    await server.stop();
  }
});
