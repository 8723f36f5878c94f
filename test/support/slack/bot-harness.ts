// Rampart with Slack on, for tests of the bot: the fake Slack Web API on
// loopback, a fresh PostgreSQL database, a real Temporal dev server, and the
// stack (worker, Slack connector, Bolt bot over HTTP). Tests talk to it the way
// Slack does: signed slash commands, button presses and modal submissions.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../../src/app/stack';
import type { Mailer } from '../../../src/mail/mailer';
import { loadPolicy } from '../../../src/policy/load';
import type { Policy } from '../../../src/policy/schema';
import { startDevEnvironment } from '../../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../database';
import { eventually } from '../eventually';
import { outboxMailer } from '../outbox-mailer';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackOptions } from './fake-slack-api';
import { blockActions, sendSigned, slashCommand, stateValue, viewSubmission, type ViewSubmissionInput } from './signed-requests';

export const SIGNING_SECRET = 'test-signing-secret';
/** Generous: bot tests share two cores with other test runs. Not a claim about speed. */
export const SLOW_MACHINE_MS = 60_000;

export interface SlackReply {
  /** Exactly as posted to response_url. */
  body: { response_type?: string; text?: string; replace_original?: boolean };
  text: string;
}

export interface SlackAnswer {
  /** The HTTP status Slack's request got (the acknowledgement). */
  status: number;
  /** The HTTP body: an immediate ephemeral answer, if any. */
  body: string;
  /** What the bot posted to the request's response_url so far. */
  replies(): SlackReply[];
}

export interface BotHarness {
  slack: FakeSlackApi;
  database: TestDatabase;
  env: TestWorkflowEnvironment;
  stack: Stack;
  policy: Policy;
  /** Where Slack posts requests. */
  url: string;
  /** The HTTP API, when started with `api: true`. */
  apiUrl: string;
  /** `/incident <text>` by `user` in `channel`, with a fresh trigger_id and response_url. */
  command(user: string, channel: string, text: string): Promise<SlackAnswer>;
  /** A button press on a message in `channel`. */
  press(user: string, channel: string, actionId: string, value: string, messageTs?: string): Promise<SlackAnswer>;
  /** A modal submission; the HTTP answer carries any field errors. */
  submit(input: ViewSubmissionInput): Promise<{ status: number; body: string }>;
  /** Declares through the declare modal, as `user`; returns the incident id and its channel once it is set up. */
  declare(
    user: string,
    title: string,
    opts?: { severity?: string; personalData?: boolean; summary?: string },
  ): Promise<{ incidentId: string; channelId: string }>;
  /** The incident declared with this title (by a modal submission), once it exists. */
  incidentTitled(title: string): Promise<string>;
  stop(): Promise<void>;
}

export interface BotHarnessOptions {
  slack?: FakeSlackOptions;
  /** Changes to the repository's policy.yaml for this test file. */
  policy?: (policy: Policy) => void;
  mailer?: Mailer;
  /** Also serve the HTTP API (no token) beside the bot, at `apiUrl`. */
  api?: boolean;
}

export async function startBotHarness(opts: BotHarnessOptions = {}): Promise<BotHarness> {
  // Trigger ids expire with the user's next action, not after 3 s of real time.
  const slack = await startFakeSlackApi({ triggerExpiry: 'next-trigger', ...opts.slack });
  const database = await createTestDatabase();
  const env = await startDevEnvironment();
  const policy = loadPolicy();
  opts.policy?.(policy);
  const stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `slack-bot-${process.pid}`,
    policy,
    connectors: [],
    mailer: opts.mailer ?? outboxMailer(),
    run: 'all',
    slack: { botToken: 'xoxb-test', signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1', slackApiUrl: slack.url },
    ...(opts.api ? { api: { host: '127.0.0.1', port: 0 } } : {}),
  });
  const url = stack.slackUrl ?? '';

  let requests = 0;
  const answer = async (send: (triggerId: string, responseUrl: string) => Promise<{ status: number; text: string }>, user: string) => {
    const id = `req-${(requests += 1)}`;
    const res = await send(slack.issueTriggerId(user), slack.responseUrl(id));
    return {
      status: res.status,
      body: res.text,
      replies: () =>
        slack.responsePosts(id).map((p) => {
          const body = (p.body ?? {}) as SlackReply['body'];
          return { body, text: body.text ?? '' };
        }),
    };
  };

  const incidentTitled = (title: string) =>
    eventually(async () => {
      const row = await database.prisma.incident.findFirst({ where: { title }, select: { id: true } });
      if (!row) throw new Error(`no incident titled "${title}" yet`);
      return row.id;
    }, SLOW_MACHINE_MS);

  return {
    slack,
    database,
    env,
    stack,
    policy,
    url,
    apiUrl: stack.apiUrl ?? '',
    command: (user, channel, text) =>
      answer((triggerId, responseUrl) => sendSigned(url, slashCommand({ userId: user, channelId: channel, text, triggerId, responseUrl }), SIGNING_SECRET), user),
    press: (user, channel, actionId, value, messageTs = '1.0') =>
      answer(
        (triggerId, responseUrl) =>
          sendSigned(url, blockActions({ actionId, value, userId: user, channelId: channel, messageTs, triggerId, responseUrl }), SIGNING_SECRET),
        user,
      ),
    submit: async (input) => {
      const res = await sendSigned(url, viewSubmission(input), SIGNING_SECRET);
      return { status: res.status, body: res.text };
    },
    async declare(user, title, { severity = 'SEV2', personalData = false, summary = `${title}: declared by a test` } = {}) {
      const res = await sendSigned(
        url,
        viewSubmission({
          callbackId: 'incident_declare',
          userId: user,
          values: {
            title: { value: stateValue.plainText(title) },
            severity: { value: stateValue.staticSelect(severity) },
            summary: { value: stateValue.plainText(summary) },
            personal_data: { value: stateValue.staticSelect(personalData ? 'yes' : 'no') },
          },
        }),
        SIGNING_SECRET,
      );
      if (res.status !== 200) throw new Error(`declare answered ${res.status}: ${res.text}`);
      const incidentId = await incidentTitled(title);
      const channel = await eventually(async () => {
        const row = await database.prisma.slackChannel.findUnique({ where: { incidentId } });
        if (!row?.summaryTs) throw new Error(`the channel of ${incidentId} is not set up yet`);
        return row;
      }, SLOW_MACHINE_MS);
      return { incidentId, channelId: channel.channelId };
    },
    incidentTitled,
    async stop() {
      await stack.stop();
      await env.teardown();
      await database.drop();
      await slack.stop();
    },
  };
}
