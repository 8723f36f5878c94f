// Sends through an SMTP server, over a small pool of kept-open connections so a
// breach with thousands of contacts does not open thousands of connections.
import nodemailer from 'nodemailer';
import { parseRecipient } from './address';
import { MailRejectedError, classifyMailError } from './errors';
import type { MailMessage, MailSent, Mailer } from './types';

export function createSmtpMailer(smtpUrl: string): Mailer {
  const transport = nodemailer.createTransport({
    // Query parameters of the URL override these (e.g. ?maxConnections=20).
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    maxMessages: 100,
    // Well inside the activity's start-to-close timeout, so a hung server fails this
    // attempt (and Temporal retries) instead of the attempt timing out unexplained.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 20_000,
    // Notices carry no attachments; nothing here should ever read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  return {
    async send(msg: MailMessage): Promise<MailSent> {
      const to = parseRecipient(msg.to);
      if (!to) throw new MailRejectedError({ code: 'EENVELOPE', response: 'not a valid email address' });
      try {
        const info = await transport.sendMail({
          messageId: msg.messageId,
          from: msg.from,
          to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          headers: msg.headers,
        });
        return { messageId: info.messageId, response: info.response };
      } catch (err) {
        throw classifyMailError(err);
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
