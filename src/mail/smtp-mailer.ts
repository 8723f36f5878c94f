// Sends through an SMTP server, over a small pool of kept-open connections so a
// breach with thousands of contacts does not open thousands of connections.
//
// Each message is composed first, then streamed to the server, but the end of
// its DATA (the final dot, where the server takes the message) waits for this
// mailer's commit slot, and the slot is freed only once the caller has recorded
// the 250. Connections send side by side; acceptances are recorded one by one.
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseRecipient } from './address';
import { createCommitSlot } from './commit-slot';
import { MailRejectedError, classifyMailError } from './errors';
import type { MailMessage, MailSent, Mailer, RecordAccepted } from './types';

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
    logger: false,
  });
  const slot = createCommitSlot();

  return {
    async send(msg: MailMessage, recordAccepted?: RecordAccepted): Promise<MailSent> {
      const to = parseRecipient(msg.to);
      if (!to) throw new MailRejectedError({ code: 'EENVELOPE', response: 'not a valid email address' });
      const composed = new MailComposer({
        messageId: msg.messageId,
        from: msg.from,
        to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        headers: msg.headers,
        // Notices carry no attachments; nothing here should ever read a file or a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      }).compile();
      const envelope = composed.getEnvelope();
      const raw = await composed.build();

      let settled = false;
      let free: (() => void) | undefined;
      let streamed = false;
      const body = new Readable({
        read() {
          if (streamed) return;
          streamed = true;
          this.push(raw);
          void slot.take().then((release) => {
            // The send failed while this message waited its turn: give the turn straight back.
            if (settled) return release();
            free = release;
            this.push(null);
          });
        },
      });
      try {
        let info: { response: string };
        try {
          info = await transport.sendMail({ envelope, raw: body });
        } catch (err) {
          throw classifyMailError(err);
        }
        const sent: MailSent = { messageId: msg.messageId, response: info.response };
        await recordAccepted?.(sent);
        return sent;
      } finally {
        settled = true;
        free?.();
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
