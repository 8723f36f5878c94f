// The mail seam: activities send through this, tests and the bench swap what is
// behind it (a real SMTP server, a directory of .eml files).

export interface MailMessage {
  /** With angle brackets, e.g. `<0123…@rampart.breach>`; the same on every retry of one send. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface MailSent {
  messageId: string;
  /** The server's final reply ("250 …"), or where the outbox put the message. */
  response: string;
}

/**
 * Records that the server accepted a message (the caller's database mark). Runs
 * before the next message of this mailer may be accepted, so at most one
 * accepted-but-unrecorded message exists at any moment: a crash resends at most one.
 */
export type RecordAccepted = (sent: MailSent) => Promise<void>;

export interface Mailer {
  /**
   * Throws MailRejectedError for a permanent rejection; any other error is
   * transient. With `recordAccepted`, it runs after the server's 250 and before
   * send resolves; an error it throws is send's error.
   */
  send(msg: MailMessage, recordAccepted?: RecordAccepted): Promise<MailSent>;
  close(): Promise<void>;
}
