// A real SMTP server on loopback for tests and the bench: plain SMTP (no TLS, no
// auth needed), keeps every accepted message raw and parsed, and can be told to
// refuse recipients for good (550) or to be unavailable for a while (451).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

export interface ReceivedMessage {
  /** Envelope sender and recipients, as given in MAIL FROM / RCPT TO. */
  from: string;
  to: string[];
  /** The Message-ID header as sent (with angle brackets), or undefined. */
  messageId: string | undefined;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  smtpUrl: string;
  port: number;
  messages: ReceivedMessage[];
  /** Accepted messages with this envelope recipient (case-insensitive). */
  countTo(email: string): number;
  /** Answer RCPT TO for this address with 550 from now on. */
  rejectRecipient(email: string): void;
  /** While on, every RCPT TO gets 451 (try again later). */
  setTransientFailure(on: boolean): void;
  stop(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /** Recipients to refuse permanently: a list of addresses or a predicate. */
  rejectRecipients?: ((address: string) => boolean) | readonly string[];
  /** Asked on every RCPT TO; true answers 451 (on top of setTransientFailure). */
  failTransiently?: () => boolean;
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

export async function startTestSmtpServer(opts: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const rejected = new Set<string>();
  let predicate: (address: string) => boolean = () => false;
  if (typeof opts.rejectRecipients === 'function') predicate = opts.rejectRecipients;
  else for (const a of opts.rejectRecipients ?? []) rejected.add(a.toLowerCase());
  let transient = false;
  const messages: ReceivedMessage[] = [];

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    // Stop quickly even if a client keeps a pooled connection open.
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      const addr = address.address.toLowerCase();
      if (transient || opts.failTransiently?.()) return callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
      if (rejected.has(addr) || predicate(addr)) return callback(smtpError(550, '5.1.1 Mailbox unavailable'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        // Record the message before answering 250, so a test sees it as soon as the send returns.
        const record = async (): Promise<void> => {
          const parsed = await simpleParser(raw);
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId: parsed.messageId,
            raw,
            parsed,
          });
        };
        record().then(
          () => callback(null, `Message queued as ${messages.length}`),
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client dropping its connection (a pool closing, a test ending) surfaces as an
  // 'error' event; unhandled, it would crash the test process.
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    countTo: (email) => messages.filter((m) => m.to.some((t) => t.toLowerCase() === email.toLowerCase())).length,
    rejectRecipient: (email) => void rejected.add(email.toLowerCase()),
    setTransientFailure: (on) => {
      transient = on;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
