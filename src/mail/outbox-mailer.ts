// Without an SMTP server, notices are still composed as real RFC 5322 messages
// and kept as .eml files, for an operator to send by hand or to inspect.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { parseRecipient } from './address';
import { MailRejectedError } from './errors';
import type { MailMessage, MailSent, Mailer, RecordAccepted } from './types';

/** The Message-ID as a file name: no brackets, no separators, nothing a shell would mind. */
export function outboxFileName(messageId: string): string {
  const safe = messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe.slice(0, 200) || 'message'}.eml`;
}

export function createOutboxMailer(outboxDir: string, log: (line: string) => void): Mailer {
  // CRLF line ends: that is what RFC 5322 says a message is, and what mail clients expect of an .eml.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', disableFileAccess: true, disableUrlAccess: true });
  let told = false;
  let writes = 0;
  return {
    async send(msg: MailMessage, recordAccepted?: RecordAccepted): Promise<MailSent> {
      const to = parseRecipient(msg.to);
      if (!to) throw new MailRejectedError({ code: 'EENVELOPE', response: 'not a valid email address' });
      const info = await transport.sendMail({ messageId: msg.messageId, from: msg.from, to, subject: msg.subject, text: msg.text, html: msg.html, headers: msg.headers });
      if (!Buffer.isBuffer(info.message)) throw new Error('outbox: nodemailer returned no message buffer');
      // Notices hold personal data: only this user may read the outbox.
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const name = outboxFileName(info.messageId);
      const file = path.join(outboxDir, name);
      // Write then rename, so a crash never leaves half a message under the final name;
      // the same Message-ID (a retried send) simply replaces the earlier copy.
      const partial = `${file}.${process.pid}-${(writes += 1)}.partial`;
      await writeFile(partial, info.message, { mode: 0o600 });
      await rename(partial, file);
      if (!told) {
        told = true;
        log(`mail: no SMTP server configured; breach notices are written to ${outboxDir}`);
      }
      const sent = { messageId: info.messageId, response: `written to outbox as ${name}` };
      await recordAccepted?.(sent);
      return sent;
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
