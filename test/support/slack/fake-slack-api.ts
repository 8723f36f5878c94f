// A fake of Slack's Web API on loopback, for tests that run a real
// @slack/web-api WebClient (and so a Bolt app) without reaching Slack.
// Point the client at `url` (slackApiUrl / Bolt clientOptions.slackApiUrl).
// It keeps a small in-memory workspace (fake-slack-state.ts), records every
// call, and can be told to fail the next call(s) of a method, before or after
// the call takes effect.
import type { UploadedFile } from '@slack/bolt';
import { FakeSlackFiles } from './fake-slack-files';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallArgs, SlackApiError } from './fake-slack-args';
import { chatMethods } from './fake-slack-chat';
import type { MethodHandler } from './fake-slack-context';
import { conversationMethods } from './fake-slack-conversations';
import { directoryMethods } from './fake-slack-directory';
import { parseCall, readBody, sendJson, type BodyEncoding } from './fake-slack-http';
import type { ChannelSeed, FakeChannel, FakeMessage, ResponseUrlPost, UserSeed, UsergroupSeed } from './fake-slack-model';
import { pinAndReactionMethods } from './fake-slack-pins';
import { handleResponseUrl, type IssuedResponseUrls } from './fake-slack-response-url';
import { DEFAULT_IDENTITY, FakeSlackState, type TriggerExpiry, type WorkspaceIdentity } from './fake-slack-state';
import { viewMethods } from './fake-slack-views';

export type { FakeSlackState, TriggerExpiry } from './fake-slack-state';
export type * from './fake-slack-model';

const METHODS: Record<string, MethodHandler> = {
  ...conversationMethods,
  ...chatMethods,
  ...pinAndReactionMethods,
  ...viewMethods,
  ...directoryMethods,
};

/** Error codes tests commonly inject; any other Slack error string works too. */
export type SlackErrorCode =
  | 'ratelimited'
  | 'channel_not_found'
  | 'not_in_channel'
  | 'is_archived'
  | 'name_taken'
  | 'already_in_channel'
  | 'invalid_auth'
  | 'internal_error'
  | 'fatal_error'
  | 'expired_trigger_id'
  | (string & {});

export type InjectedFailure =
  /** HTTP 429 with a Retry-After header, as Slack rate-limits. */
  | { status: 429; retryAfterSeconds: number }
  /** HTTP 200 `{ ok: false, error }` (plus any `extra` fields). */
  | { error: SlackErrorCode; extra?: Record<string, unknown> }
  /** Any other HTTP status, e.g. 500/503 for an outage. */
  | { status: number; body?: string }
  /** The connection closes without an answer, as when a response is lost. */
  | { dropConnection: true };

export interface RecordedCall {
  method: string;
  /** Arguments with JSON-encoded form fields decoded (blocks, metadata, view, attachments). */
  args: Record<string, unknown>;
  /** Arguments exactly as they arrived (form values are strings). */
  rawArgs: Record<string, unknown>;
  encoding: BodyEncoding;
  /** The token the call carried (a test token) and where it was. */
  token: string | undefined;
  tokenSource: 'header' | 'body' | 'both' | 'none';
  /** Epoch milliseconds when the call arrived. */
  at: number;
  status: number;
  response: unknown;
  injected?: InjectedFailure;
}

export interface FakeSlackOptions {
  identity?: Partial<WorkspaceIdentity>;
  users?: UserSeed[];
  usergroups?: UsergroupSeed[];
  channels?: ChannelSeed[];
  /** Tokens accepted; default: any token starting with "xox". */
  tokens?: string[];
  /** Trigger id lifetime for views.open/push; Slack's is 3 s. */
  triggerTtlMs?: number;
  /** How trigger ids expire (see TriggerExpiry); default 'ttl'. Bot tests use 'next-trigger'. */
  triggerExpiry?: TriggerExpiry;
  /** Clock (epoch ms); defaults to Date.now. */
  now?: () => number;
}

export interface FakeSlackApi {
  /** Base URL for WebClient's slackApiUrl; ends with "/api/". */
  url: string;
  calls: RecordedCall[];
  state: FakeSlackState;
  failNext(method: string, failure: InjectedFailure, times?: number): void;
  /**
   * The next call of `method` takes effect (a channel is created, a message
   * posted), but the bot gets `failure` instead of the result: Slack did the
   * work and the answer was lost.
   */
  loseNextResponse(method: string, failure: InjectedFailure): void;
  /** A trigger id as Slack puts in interactive payloads, valid for views.open for triggerTtlMs. */
  issueTriggerId(userId?: string): string;
  /** A file as a user uploads it in a modal; the result goes into view.state.values (stateValue.files). */
  uploadFile(input: { name: string; content: string | Buffer; userId: string }): UploadedFile;
  /** Every request for a file's private URL, and whether it carried a valid token. */
  fileDownloads: readonly { fileId: string; authorized: boolean }[];
  /** A loopback response_url for the given id; posts to it are kept in responsePosts(id). */
  responseUrl(id: string): string;
  responsePosts(id: string): ResponseUrlPost[];
  messages(channelId: string): FakeMessage[];
  channelByName(name: string): FakeChannel | undefined;
  callsOf(method: string): RecordedCall[];
  /** Forgets calls, failures and state, then re-seeds from the options. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startFakeSlackApi(opts: FakeSlackOptions = {}): Promise<FakeSlackApi> {
  const state = new FakeSlackState({ ...DEFAULT_IDENTITY, ...opts.identity }, opts.now ?? Date.now);
  const calls: RecordedCall[] = [];
  type Injection = { failure: InjectedFailure; remaining: number; afterEffect: boolean };
  const failures = new Map<string, Injection[]>();
  const issuedResponseUrls: IssuedResponseUrls = new Map();
  const seed = (): void => {
    state.clear();
    state.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    state.triggerExpiry = opts.triggerExpiry ?? 'ttl';
    state.addUser({ id: state.identity.botUserId, name: state.identity.botName, isBot: true });
    for (const u of opts.users ?? []) state.addUser(u);
    for (const g of opts.usergroups ?? []) state.addUsergroup(g);
    for (const c of opts.channels ?? []) state.addChannel(c);
  };
  seed();

  const takeFailure = (method: string): Injection | undefined => {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head;
  };

  const isValidToken = (token: string): boolean => (opts.tokens ? opts.tokens.includes(token) : token.startsWith('xox'));

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> => {
    const body = await readBody(req);
    const record: RecordedCall = {
      method,
      args: {},
      rawArgs: {},
      encoding: 'none',
      token: undefined,
      tokenSource: 'none',
      at: state.now(),
      status: 200,
      response: undefined,
    };
    calls.push(record);
    const reply = (status: number, response: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      record.response = response;
      sendJson(res, status, response, headers);
    };
    const replyInjected = (injected: InjectedFailure): void => {
      record.injected = injected;
      if ('dropConnection' in injected) {
        record.status = 0;
        res.destroy();
        return;
      }
      if ('error' in injected) return reply(200, { ok: false, error: injected.error, ...injected.extra });
      if ('retryAfterSeconds' in injected) {
        return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(injected.retryAfterSeconds) });
      }
      record.status = injected.status;
      record.response = injected.body ?? '';
      res.writeHead(injected.status, { 'content-type': 'text/plain' }).end(injected.body ?? '');
    };
    try {
      Object.assign(record, await parseCall(req, url, body));
      const injected = takeFailure(method);
      if (injected && !injected.afterEffect) return replyInjected(injected.failure);
      if (record.token === undefined) throw new SlackApiError('not_authed');
      if (!isValidToken(record.token)) throw new SlackApiError('invalid_auth');
      const handler = METHODS[method];
      if (!handler) throw new SlackApiError('unknown_method', { req_method: method });
      const result = handler({ state, args: new CallArgs(record.args) });
      if (injected) return replyInjected(injected.failure);
      reply(200, { ok: true, ...result });
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      reply(200, { ok: false, error: err.error, ...err.extra });
    }
  };

  const files = new FakeSlackFiles(isValidToken);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (files.handle(req, res, url)) return;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const hook = /^\/hooks\/([^/]+)$/.exec(url.pathname);
    const work = api?.[1]
      ? handleApi(req, res, url, api[1])
      : hook?.[1]
        ? handleResponseUrl(req, res, decodeURIComponent(hook[1]), issuedResponseUrls, state)
        : Promise.resolve(sendJson(res, 404, { ok: false, error: 'not_found' }));
    work.catch((err: unknown) => {
      // A bug in the fake itself: answer 500 so the client sees it instead of hanging.
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_slack_internal', detail: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/api/`,
    calls,
    state,
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, remaining: times, afterEffect: false });
      failures.set(method, queue);
    },
    loseNextResponse(method, failure) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, remaining: 1, afterEffect: true });
      failures.set(method, queue);
    },
    issueTriggerId: (userId) => state.issueTriggerId(userId),
    uploadFile: (input) => files.upload(origin, { ...input, teamId: state.identity.teamId }),
    fileDownloads: files.downloads,
    responseUrl(id) {
      if (!issuedResponseUrls.has(id)) issuedResponseUrls.set(id, state.now());
      return `${origin}/hooks/${encodeURIComponent(id)}`;
    },
    responsePosts: (id) => state.responseUrlPosts.get(id) ?? [],
    messages: (channelId) => state.messages(channelId),
    channelByName: (name) => state.channelByName(name),
    callsOf: (method) => calls.filter((c) => c.method === method),
    reset() {
      calls.length = 0;
      failures.clear();
      issuedResponseUrls.clear();
      seed();
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}
