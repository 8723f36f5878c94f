// A real SMTP server on loopback for tests and the bench: plain SMTP (no TLS, no
// auth needed), keeps every accepted message raw and parsed, and can be told to
// refuse recipients for good (550), to be unavailable for a while (451), to stop
// listening (connections refused) and listen again on the same port, or to keep
// messages without answering them (a sender that dies before the 250 arrives).
import type { AddressInfo, Socket } from 'node:net';
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
  /**
   * Closes the port and drops every open connection: from now on a client's
   * connection is refused (ECONNREFUSED), as with a mail server that is down.
   * Replies held by holdRepliesAfter are dropped with their connections.
   */
  stopListening(): Promise<void>;
  /** Listens again on the same port (and URL) after stopListening. */
  listenAgain(): Promise<void>;
  /**
   * The next `count` messages are answered as usual; every later one is kept
   * (in `messages`, as a server that queued it would) but gets no reply until
   * releaseReplies(), so its sender is left waiting mid-send.
   */
  holdRepliesAfter(count: number): void;
  /** The messages kept whose reply is being held, in arrival order. */
  heldMessages(): ReceivedMessage[];
  /** Sends every held reply (250) and stops holding new ones. */
  releaseReplies(): void;
  /** No client is connected and no message is being recorded: nothing more can arrive unasked. */
  idle(): boolean;
  /** Messages whose DATA has begun and not yet ended (the sender has not sent the final dot). */
  inData(): number;
  stop(): Promise<void>;
}

export interface TestSmtpServerOptions {
  /** Recipients to refuse permanently: a list of addresses or a predicate. */
  rejectRecipients?: ((address: string) => boolean) | readonly string[];
  /** Asked on every RCPT TO; true answers 451 (on top of setTransientFailure). */
  failTransiently?: () => boolean;
  /** Require AUTH with these credentials (over plain SMTP on loopback); others get 535, no AUTH gets 530. */
  requireLogin?: { user: string; pass: string };
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

interface HeldReply {
  message: ReceivedMessage;
  answer: () => void;
}

export async function startTestSmtpServer(opts: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const rejected = new Set<string>();
  let predicate: (address: string) => boolean = () => false;
  if (typeof opts.rejectRecipients === 'function') predicate = opts.rejectRecipients;
  else for (const a of opts.rejectRecipients ?? []) rejected.add(a.toLowerCase());
  let transient = false;
  const messages: ReceivedMessage[] = [];
  /** Messages up to this count are answered; later ones are held. Infinity: hold none. */
  let answerUpTo = Infinity;
  let held: HeldReply[] = [];
  /** Messages received but not yet parsed and recorded. */
  let recording = 0;
  /** Messages between DATA and its final dot. */
  let inData = 0;

  function createServer(): SMTPServer {
    return new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !opts.requireLogin,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        const login = opts.requireLogin;
        if (login && auth.username === login.user && auth.password === login.pass) return callback(null, { user: auth.username });
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      },
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
        inData += 1;
        let ended = false;
        const leaveData = () => {
          if (!ended) inData -= 1;
          ended = true;
        };
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (err: Error) => {
          leaveData();
          callback(err);
        });
        stream.on('close', leaveData);
        stream.on('end', () => {
          leaveData();
          const raw = Buffer.concat(chunks);
          // Record the message before answering 250, so a test sees it as soon as the send returns.
          const record = async (): Promise<ReceivedMessage> => {
            recording += 1;
            try {
              const parsed = await simpleParser(raw);
              const message: ReceivedMessage = {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                messageId: parsed.messageId,
                raw,
                parsed,
              };
              messages.push(message);
              return message;
            } finally {
              recording -= 1;
            }
          };
          record().then(
            (message) => {
              const answer = () => callback(null, `Message queued as ${messages.indexOf(message) + 1}`);
              if (messages.length > answerUpTo) held.push({ message, answer });
              else answer();
            },
            (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
          );
        });
      },
    });
  }

  /** The server while it listens, with its open connections (to drop them on stopListening). */
  let current: { server: SMTPServer; sockets: Set<Socket> } | undefined;

  async function listen(port: number): Promise<number> {
    const server = createServer();
    const sockets = new Set<Socket>();
    server.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A client dropping its connection (a pool closing, a test ending) surfaces as an
    // 'error' event; unhandled, it would crash the test process.
    server.on('error', () => undefined);
    current = { server, sockets };
    return (server.server.address() as AddressInfo).port;
  }

  /** Stops listening; `drop` also cuts the open connections at once instead of letting them finish. */
  async function close(drop: boolean): Promise<void> {
    if (!current) return;
    const { server, sockets } = current;
    current = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (drop) for (const socket of sockets) socket.destroy();
    await closed;
  }

  function releaseReplies(): void {
    answerUpTo = Infinity;
    const waiting = held;
    held = [];
    // A held sender may have died meanwhile: its connection is gone and the reply goes nowhere.
    for (const h of waiting) h.answer();
  }

  const port = await listen(0);

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    countTo: (email) => messages.filter((m) => m.to.some((t) => t.toLowerCase() === email.toLowerCase())).length,
    rejectRecipient: (email) => void rejected.add(email.toLowerCase()),
    setTransientFailure: (on) => {
      transient = on;
    },
    stopListening: async () => {
      held = [];
      await close(true);
    },
    listenAgain: async () => {
      if (current) throw new Error('the SMTP server is already listening');
      await listen(port);
    },
    holdRepliesAfter: (count) => {
      answerUpTo = messages.length + count;
    },
    heldMessages: () => held.map((h) => h.message),
    releaseReplies,
    idle: () => recording === 0 && (current?.sockets.size ?? 0) === 0,
    inData: () => inData,
    stop: async () => {
      releaseReplies();
      await close(false);
    },
  };
}
