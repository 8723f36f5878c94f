// The SMTP mailer lets one accepted message at a time wait for its record: other
// sends stream their message meanwhile but hold back the final dot, where the
// server takes it. So a crash between a 250 and its database mark can leave at
// most one message that a retry sends again.
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { MailMessage, MailSent, Mailer } from '../../src/mail/types';
import { eventually } from '../support/eventually';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

let smtp: TestSmtpServer;
let mailer: Mailer;
beforeEach(async () => {
  smtp = await startTestSmtpServer({ rejectRecipients: ['refused@example.org'] });
  mailer = createSmtpMailer(smtp.smtpUrl);
});
afterEach(async () => {
  await mailer.close();
  await smtp.stop();
});

const message = (n: number, to = `c${n}@example.org`): MailMessage => ({
  messageId: `<m${n}@rampart.test>`,
  from: 'Example Ltd Privacy <privacy@example.com>',
  to,
  subject: `Notice ${n}`,
  text: `Notice ${n}\n.\nA line with a lone dot above.`,
  html: `<p>Notice ${n}</p>`,
  headers: { 'Auto-Submitted': 'auto-generated' },
});

/** A record step the test finishes by hand, one per send, in the order the server accepted them. */
function heldRecords() {
  const waiting: { sent: MailSent; accepted: number; finish: (err?: Error) => void }[] = [];
  const record = (sent: MailSent) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ sent, accepted: smtp.messages.length, finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { waiting, record };
}

test('the server takes the next message only after the last accepted one is recorded', async () => {
  const { waiting, record } = heldRecords();
  const sends = [1, 2, 3, 4, 5].map((n) => mailer.send(message(n), record));

  for (let recorded = 0; recorded < 5; recorded += 1) {
    // Every send not yet accepted has its message at the server, all but the final dot.
    await eventually(async () => {
      expect(waiting).toHaveLength(recorded + 1);
      expect(smtp.inData()).toBe(4 - recorded);
    });
    expect(smtp.messages).toHaveLength(recorded + 1);
    expect(waiting[recorded]?.accepted).toBe(recorded + 1);
    waiting[recorded]?.finish();
  }
  const sent = await Promise.all(sends);
  expect(sent.map((s) => s.messageId)).toEqual([1, 2, 3, 4, 5].map((n) => `<m${n}@rampart.test>`));
  expect(sent.every((s) => /^250 /.test(s.response))).toBe(true);
  // The messages arrive whole, with our Message-ID and dot-stuffing undone.
  for (const n of [1, 2, 3, 4, 5]) {
    const got = smtp.messages.find((m) => m.messageId === `<m${n}@rampart.test>`);
    expect(got?.to).toEqual([`c${n}@example.org`]);
    expect(got?.from).toBe('privacy@example.com');
    expect(got?.parsed.text?.trim()).toBe(`Notice ${n}\n.\nA line with a lone dot above.`);
    expect(got?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  }
});

test('a failed record or a refused recipient never keeps the slot', async () => {
  const { waiting, record } = heldRecords();
  const first = mailer.send(message(1), record);
  const refused = mailer.send(message(2, 'refused@example.org'), record);
  const third = mailer.send(message(3), record);
  await eventually(async () => expect(waiting).toHaveLength(1));
  waiting[0]?.finish(new Error('database down'));
  // The record's error is the send's error, as it is (the message is at the server).
  await expect(first).rejects.toThrow('database down');
  await expect(refused).rejects.toMatchObject({ name: 'MailRejectedError' });
  await eventually(async () => expect(waiting).toHaveLength(2));
  waiting[1]?.finish();
  await expect(third).resolves.toMatchObject({ messageId: '<m3@rampart.test>' });
  expect(smtp.messages.map((m) => m.messageId)).toEqual(['<m1@rampart.test>', '<m3@rampart.test>']);
});

test('without a record step, sends go through side by side as before', async () => {
  const sent = await Promise.all([1, 2, 3].map((n) => mailer.send(message(n))));
  expect(sent.map((s) => s.messageId).sort()).toEqual(['<m1@rampart.test>', '<m2@rampart.test>', '<m3@rampart.test>']);
  expect(smtp.messages).toHaveLength(3);
});
