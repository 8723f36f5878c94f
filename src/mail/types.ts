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

export interface Mailer {
  /** Throws MailRejectedError for a permanent rejection; any other error is transient. */
  send(msg: MailMessage): Promise<MailSent>;
  close(): Promise<void>;
}
