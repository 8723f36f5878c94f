// Which mail failures are final for this message and which may pass on a retry.
// Final ones (the recipient's server refused this address or this message) go
// back to the officer to correct; everything else is thrown and retried.

export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
  /** nodemailer's error code, e.g. EENVELOPE, EMESSAGE. */
  readonly code: string;
  /** The server's reply ("550 5.1.1 …"), or what refused it locally. */
  readonly response: string;
  readonly responseCode?: number;

  constructor(opts: { code: string; response: string; responseCode?: number; cause?: unknown }) {
    super(`mail rejected: ${opts.response}`, { cause: opts.cause });
    this.code = opts.code;
    this.response = opts.response;
    if (opts.responseCode !== undefined) this.responseCode = opts.responseCode;
  }
}

/**
 * The mail server refuses Rampart itself: its login (530/535), or TLS. No address
 * correction and no amount of waiting fixes that; someone must fix SMTP_URL.
 */
export class MailConfigurationError extends Error {
  override readonly name = 'MailConfigurationError';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`the mail server refuses Rampart's ${reason}; check SMTP_URL`, options);
  }
}

/** The fields nodemailer puts on its errors; all optional since any error can reach us. */
interface NodemailerErrorFields {
  code?: unknown;
  response?: unknown;
  responseCode?: unknown;
  permanent?: unknown;
  command?: unknown;
}

// A 5xx to these is about this recipient or this message. A 5xx to EHLO, AUTH or
// MAIL FROM is about our own configuration (credentials, sender domain): no address
// correction fixes that, so it stays transient and the officers hear the mail
// server is failing instead of being told to fix a customer's address.
const PER_MESSAGE_COMMANDS = new Set(['RCPT TO', 'DATA']);

/**
 * A MailRejectedError for a permanent, per-message rejection; otherwise the
 * error itself, untouched, to be rethrown as transient.
 */
export function classifyMailError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & NodemailerErrorFields;
  const code = typeof e.code === 'string' ? e.code : '';
  const response = typeof e.response === 'string' ? e.response : e.message;
  if (code === 'EAUTH' || e.responseCode === 530 || e.responseCode === 535) {
    return new MailConfigurationError(`login (${oneLine(response)})`, { cause: err });
  }
  if (code === 'ETLS' || /\b(TLS|SSL|certificate)\b/i.test(e.message)) {
    return new MailConfigurationError(`TLS connection (${oneLine(e.message)})`, { cause: err });
  }
  if (typeof e.responseCode === 'number') {
    // nodemailer's own verdict when present: it treats 503 (bad command sequence) as
    // a session hiccup, not a refusal, which a plain 5xx test would get wrong.
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : e.responseCode >= 500 && e.responseCode !== 503;
    const perMessage = typeof e.command === 'string' && PER_MESSAGE_COMMANDS.has(e.command);
    if (permanent && perMessage) return new MailRejectedError({ code: code || 'EMESSAGE', response, responseCode: e.responseCode, cause: err });
    return err;
  }
  // No reply at all: nodemailer refused the envelope itself, before talking to a server.
  if (code === 'EENVELOPE' && /recipient/i.test(e.message)) return new MailRejectedError({ code, response: e.message, cause: err });
  return err;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
