// How Rampart sends mail: through SMTP when a server is configured, otherwise into
// an outbox directory. Callers only see the Mailer interface.
import { createOutboxMailer } from './outbox-mailer';
import { createSmtpMailer } from './smtp-mailer';
import type { Mailer } from './types';

export { MailConfigurationError, MailRejectedError, classifyMailError } from './errors';
export type { MailMessage, MailSent, Mailer } from './types';

export interface MailerOptions {
  /** smtp://user:pass@host:587 or smtps://…; may hold a password, so it is never logged. */
  smtpUrl?: string;
  /** Where messages go when there is no smtpUrl. */
  outboxDir: string;
  log?: (line: string) => void;
}

export function createMailer(opts: MailerOptions): Mailer {
  if (opts.smtpUrl) return createSmtpMailer(opts.smtpUrl);
  return createOutboxMailer(opts.outboxDir, opts.log ?? (() => undefined));
}
