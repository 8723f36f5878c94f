// chat.* methods of the fake Slack Web API: messages are stored per channel
// with Slack-shaped ts strings, blocks and (event) metadata, so the bot can
// later find its own messages again through conversations.history.
import { randomBytes } from 'node:crypto';
import { SlackApiError, isRecord, type CallArgs } from './fake-slack-args';
import { channelArg, messageIn, requireBotMember, type MethodContext, type MethodHandler } from './fake-slack-context';
import { messageJson } from './fake-slack-history';
import type { FakeChannel, FakeMessage, MessageMetadata } from './fake-slack-model';

const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;

/** chat.postMessage accepts a channel id, a "#name" / name, or a user id (which opens the DM). */
function postTarget(ctx: MethodContext): FakeChannel {
  const target = ctx.args.need('channel', 'channel_not_found');
  const byId = ctx.state.channels.get(target);
  if (byId) return byId;
  const byName = ctx.state.channelByName(target);
  if (byName) return byName;
  if (/^[UW][A-Z0-9]{2,}$/.test(target)) return ctx.state.imWith(target);
  throw new SlackApiError('channel_not_found');
}

/** Blocks must be an array of typed objects; Slack fills in a block_id where one is missing. */
function readBlocks(args: CallArgs): unknown[] | undefined {
  const blocks = args.json('blocks', 'invalid_blocks_format');
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) throw new SlackApiError('invalid_blocks_format');
  if (blocks.length > MAX_BLOCKS) throw new SlackApiError('invalid_blocks');
  return blocks.map((block: unknown) => {
    if (!isRecord(block) || typeof block.type !== 'string') throw new SlackApiError('invalid_blocks');
    return typeof block.block_id === 'string' ? block : { ...block, block_id: randomBytes(3).toString('base64url') };
  });
}

function readAttachments(args: CallArgs): unknown[] | undefined {
  const attachments = args.json('attachments', 'invalid_attachments');
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments)) throw new SlackApiError('invalid_attachments');
  return attachments;
}

function readMetadata(args: CallArgs): MessageMetadata | undefined {
  const metadata = args.json('metadata', 'invalid_metadata_format');
  if (metadata === undefined) return undefined;
  if (!isRecord(metadata) || typeof metadata.event_type !== 'string' || !isRecord(metadata.event_payload)) {
    throw new SlackApiError('invalid_metadata_format');
  }
  return { event_type: metadata.event_type, event_payload: metadata.event_payload };
}

interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
}

function readContent(args: CallArgs): Content {
  const text = args.str('text');
  if (text !== undefined && text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
  const content: Content = { text, blocks: readBlocks(args), attachments: readAttachments(args), metadata: readMetadata(args) };
  for (const key of Object.keys(content) as (keyof Content)[]) if (content[key] === undefined) delete content[key];
  return content;
}

function assertPostable(ctx: MethodContext, channel: FakeChannel): void {
  if (channel.is_archived) throw new SlackApiError('is_archived');
  if (!channel.is_im) requireBotMember(ctx, channel);
}

const postMessage: MethodHandler = (ctx) => {
  const channel = postTarget(ctx);
  const content = readContent(ctx.args);
  if (!content.text && !content.blocks?.length && !content.attachments?.length) throw new SlackApiError('no_text');
  assertPostable(ctx, channel);
  const { botUserId, botId, appId } = ctx.state.identity;
  const threadTs = ctx.args.str('thread_ts');
  const message = ctx.state.addMessage(channel.id, {
    user: botUserId,
    bot_id: botId,
    app_id: appId,
    ...content,
    text: content.text ?? '',
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  if (threadTs) noteReply(ctx.state.findMessage(channel.id, threadTs), message);
  return { channel: channel.id, ts: message.ts, message: messageJson(message, true) };
};

function noteReply(parent: FakeMessage | undefined, reply: FakeMessage): void {
  if (!parent || parent.ts === reply.ts) return;
  parent.thread_ts = parent.ts;
  parent.reply_count = (parent.reply_count ?? 0) + 1;
  parent.reply_users = [...new Set([...(parent.reply_users ?? []), reply.user])];
  parent.latest_reply = reply.ts;
}

const update: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  const message = messageIn(ctx, channel, ctx.args.str('ts'));
  if (message.user !== ctx.state.identity.botUserId) throw new SlackApiError('cant_update_message');
  if (channel.is_archived) throw new SlackApiError('is_archived');
  // Fields left out keep their previous value, as in Slack.
  Object.assign(message, readContent(ctx.args));
  message.edited = { user: ctx.state.identity.botUserId, ts: ctx.state.nextTs() };
  return { channel: channel.id, ts: message.ts, text: message.text, message: messageJson(message, true) };
};

const remove: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  const message = messageIn(ctx, channel, ctx.args.str('ts'));
  if (message.user !== ctx.state.identity.botUserId) throw new SlackApiError('cant_delete_message');
  const list = ctx.state.messages(channel.id);
  list.splice(list.indexOf(message), 1);
  return { channel: channel.id, ts: message.ts };
};

const postEphemeral: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  const user = ctx.args.need('user', 'user_not_found');
  const content = readContent(ctx.args);
  if (!content.text && !content.blocks?.length && !content.attachments?.length) throw new SlackApiError('no_text');
  assertPostable(ctx, channel);
  if (!channel.is_im && !channel.members.has(user)) throw new SlackApiError('user_not_in_channel');
  const messageTs = ctx.state.nextTs();
  ctx.state.ephemerals.push({ channel: channel.id, user, message_ts: messageTs, text: content.text ?? '', ...(content.blocks ? { blocks: content.blocks } : {}) });
  return { message_ts: messageTs };
};

export function permalink(ctx: MethodContext, channelId: string, message: FakeMessage): string {
  const base = `https://${ctx.state.identity.teamDomain}.slack.com/archives/${channelId}/p${message.ts.replace('.', '')}`;
  const reply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  return reply ? `${base}?thread_ts=${message.thread_ts}&cid=${channelId}` : base;
}

const getPermalink: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  const message = messageIn(ctx, channel, ctx.args.str('message_ts'));
  return { channel: channel.id, permalink: permalink(ctx, channel.id, message) };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
};
