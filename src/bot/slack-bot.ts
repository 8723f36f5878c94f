// The Slack app: `/incident` commands, summary buttons, modals, and pinned or
// marked messages as timeline entries. Every request is acknowledged first
// (Slack allows 3 s); the work follows, and failures reach the user as plain
// ephemeral messages. Socket Mode when an app token is given, else HTTP with
// signature verification.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { ACTION, VIEW } from '../slack/action-ids';
import { SLACK_FILE_ORIGIN } from '../slack/download-file';
import { incidentIdOfChannel } from '../slack/incident-channels';
import { withIdempotencyKey } from '../temporal/idempotency';
import { registerBreachInteractions } from './breach-interactions';
import { parseIncidentCommand } from './command-parser';
import { explainError } from './explain-error';
import type { BotDeps } from './bot-deps';
import { runIncidentCommand } from './incident-commands';
import { safelyWith } from './safely';
import { UserFacingError } from './user-facing-error';
import { declareSubmission, statusSubmission, statusUpdateModal, viewErrors } from './views';

export interface SlackBotOptions {
  botToken: string;
  signingSecret: string;
  /** xapp- token: use Socket Mode (no public URL needed). */
  appToken?: string;
  /** For tests: where the Web API is. */
  slackApiUrl?: string;
  log?: (line: string) => void;
}

export interface SlackBot {
  app: App;
  /** Starts receiving; returns the HTTP port (undefined in Socket Mode). */
  start(listen?: { port: number; host: string }): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function createSlackBot(deps: BotDeps, options: SlackBotOptions): SlackBot {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const socketMode = Boolean(options.appToken);
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    ...(socketMode ? { socketMode: true, appToken: options.appToken } : { receiver }),
    clientOptions: options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : undefined,
    // Socket Mode opens its connection through a client of its own.
    installerOptions: options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : undefined,
    logLevel: LogLevel.ERROR,
  });

  // A request Slack (or a proxy) delivers again carries the same interaction id:
  // the updates it causes are then applied once (temporal/idempotency.ts).
  app.use(async ({ body, next }) => withIdempotencyKey(interactionKey(body), next));

  // Runs after the ack; any failure becomes an ephemeral message.
  const safely = safelyWith(log);

  app.command('/incident', async ({ command, ack, respond, client }) => {
    const parsed = parseIncidentCommand(command.text);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: `:warning: ${parsed.error}` });
      return;
    }
    await ack();
    await safely(respond, () =>
      runIncidentCommand(deps, parsed.command, {
        userId: command.user_id,
        channelId: command.channel_id,
        triggerId: command.trigger_id,
        client: client as WebClient,
      }),
    );
  });

  const onButton = (actionId: string, run: (incidentId: string, userId: string, triggerId: string, client: WebClient) => Promise<string | undefined>) =>
    app.action(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const triggerId = 'trigger_id' in body && typeof body.trigger_id === 'string' ? body.trigger_id : '';
      await safely(respond, () => run(value, body.user.id, triggerId, client as WebClient));
    });

  onButton(ACTION.acknowledge, async (id, actor) => {
    await deps.incidents.acknowledge(id, { actor });
    return undefined;
  });
  onButton(ACTION.mitigate, async (id, actor) => {
    await deps.incidents.mitigate(id, { actor });
    return undefined;
  });
  onButton(ACTION.resolve, (id, actor, triggerId, client) =>
    runIncidentCommandFor(id, actor, triggerId, client, { kind: 'resolve' }),
  );
  onButton(ACTION.statusUpdate, async (id, _actor, triggerId, client) => {
    await client.views.open({ trigger_id: triggerId, view: statusUpdateModal(id) });
    return undefined;
  });
  onButton(ACTION.actionDone, async (value, actor) => {
    const [id = '', actionId = ''] = value.split('|');
    await deps.incidents.completeAction(id, { actor, actionId });
    return undefined;
  });

  registerBreachInteractions(app, deps, {
    safely,
    log,
    files: {
      botToken: options.botToken,
      // A test or self-hosted Slack serves files from where its API is.
      allowedOrigins: [SLACK_FILE_ORIGIN, ...(options.slackApiUrl ? [new URL(options.slackApiUrl).origin] : [])],
    },
  });

  // Button presses go through the same permission checks as the commands.
  async function runIncidentCommandFor(
    incidentId: string,
    userId: string,
    triggerId: string,
    client: WebClient,
    command: Parameters<typeof runIncidentCommand>[1],
  ) {
    const channel = await deps.db.slackChannel.findUnique({ where: { incidentId }, select: { channelId: true } });
    if (!channel) throw new UserFacingError(`No channel is known for ${incidentId}.`);
    return runIncidentCommand(deps, command, { userId, channelId: channel.channelId, triggerId, client });
  }

  app.view(VIEW.declare, async ({ ack, view, body, client }) => {
    const parsed = declareSubmission.safeParse(view.state.values);
    if (!parsed.success) {
      await ack({ response_action: 'errors', errors: viewErrors(parsed.error) });
      return;
    }
    await ack();
    const user = body.user.id;
    try {
      const incident = await deps.incidents.declare({ ...parsed.data, declaredBy: user });
      await client.chat.postMessage({
        channel: user,
        text: `Declared ${incident.id} (${incident.severity}) “${incident.title}”. Its channel opens in a moment.`,
      });
    } catch (err) {
      await client.chat.postMessage({ channel: user, text: explainError(err, log) }).catch(() => undefined);
    }
  });

  app.view(VIEW.statusUpdate, async ({ ack, view, body, client }) => {
    const text = statusSubmission.parse(view.state.values);
    if (!text) {
      await ack({ response_action: 'errors', errors: { text: 'Write what is happening now.' } });
      return;
    }
    await ack();
    try {
      await deps.incidents.postStatus(view.private_metadata, { actor: body.user.id, text });
    } catch (err) {
      await client.chat.postMessage({ channel: body.user.id, text: explainError(err, log) }).catch(() => undefined);
    }
  });

  // Pinned messages, and messages marked with the policy's reaction, join the timeline.
  app.event('pin_added', async ({ event }) => {
    const incidentId = await incidentIdOfChannel(deps.db, event.channel_id);
    const message = event.item.message;
    if (!incidentId || !message?.text || !message.ts) return;
    if (message.bot_id) return; // Rampart's own summary, or another bot's post
    await deps.incidents.addNote(incidentId, {
      actor: event.user,
      text: `Pinned: ${message.user ? `<@${message.user}> ` : ''}${message.text}`,
      key: `${event.channel_id}:${message.ts}`,
    });
  });

  app.event('reaction_added', async ({ event, client }) => {
    if (event.reaction !== deps.policy.slack.timelineReaction || event.item.type !== 'message') return;
    const incidentId = await incidentIdOfChannel(deps.db, event.item.channel);
    if (!incidentId) return;
    const found = await client.conversations.history({
      channel: event.item.channel,
      latest: event.item.ts,
      inclusive: true,
      limit: 1,
    });
    const message = found.messages?.find((m) => m.ts === event.item.ts);
    if (!message?.text) return;
    await deps.incidents.addNote(incidentId, {
      actor: event.user,
      text: `Marked: ${message.user ? `<@${message.user}> ` : ''}${message.text}`,
      key: `${event.item.channel}:${event.item.ts}`,
    });
  });

  app.error(async (err) => {
    log(`slack bot: ${err.name}: ${err.message.split('\n')[0]}`);
  });

  let server: Server | undefined;
  return {
    app,
    async start(listen) {
      if (socketMode) {
        await app.start();
        return undefined;
      }
      server = (await app.start(listen ?? { port: 3000, host: '127.0.0.1' })) as Server;
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      await app.stop();
    },
  };
}

/** The id Slack gives this one interaction: trigger_id (commands, buttons, forms), event_id (events). */
function interactionKey(body: unknown): string | undefined {
  const b = body as { trigger_id?: unknown; event_id?: unknown };
  if (typeof b.trigger_id === 'string' && b.trigger_id !== '') return `slack:${b.trigger_id}`;
  if (typeof b.event_id === 'string' && b.event_id !== '') return `slack:${b.event_id}`;
  return undefined;
}
