// pins.* and reactions.* of the fake Slack Web API. Both act on a message
// addressed by channel + timestamp and refuse to do the same thing twice.
import { SlackApiError } from './fake-slack-args';
import { channelArg, messageIn, requireBotMember, type MethodContext, type MethodHandler } from './fake-slack-context';
import { permalink } from './fake-slack-chat';
import { messageJson } from './fake-slack-history';
import type { FakeChannel, FakeMessage } from './fake-slack-model';

function target(ctx: MethodContext): { channel: FakeChannel; message: FakeMessage } {
  const channel = channelArg(ctx);
  const ts = ctx.args.str('timestamp');
  if (ts === undefined) throw new SlackApiError('no_item_specified');
  return { channel, message: messageIn(ctx, channel, ts) };
}

const pinsAdd: MethodHandler = (ctx) => {
  const { channel, message } = target(ctx);
  if (!channel.is_im) requireBotMember(ctx, channel);
  if (ctx.state.pins.some((p) => p.channel === channel.id && p.ts === message.ts)) throw new SlackApiError('already_pinned');
  ctx.state.pins.push({ channel: channel.id, ts: message.ts, created: ctx.state.nowSeconds(), created_by: ctx.state.identity.botUserId });
  message.pinned_to = [...(message.pinned_to ?? []), channel.id];
  return {};
};

const pinsRemove: MethodHandler = (ctx) => {
  const { channel, message } = target(ctx);
  const index = ctx.state.pins.findIndex((p) => p.channel === channel.id && p.ts === message.ts);
  if (index < 0) throw new SlackApiError('no_pin');
  ctx.state.pins.splice(index, 1);
  message.pinned_to = (message.pinned_to ?? []).filter((c) => c !== channel.id);
  if (message.pinned_to.length === 0) delete message.pinned_to;
  return {};
};

const pinsList: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  const items = ctx.state.pins
    .filter((p) => p.channel === channel.id)
    .reverse() // most recently pinned first
    .flatMap((p) => {
      const message = ctx.state.findMessage(channel.id, p.ts);
      if (!message) return [];
      const json = { ...messageJson(message, false), permalink: permalink(ctx, channel.id, message) };
      return [{ type: 'message', created: p.created, created_by: p.created_by, channel: channel.id, message: json }];
    });
  return { items };
};

function reactionName(ctx: MethodContext): string {
  const name = ctx.args.str('name');
  // Slack wants the bare emoji name: "white_check_mark", not ":white_check_mark:".
  if (name === undefined || /[:\s]/.test(name)) throw new SlackApiError('invalid_name');
  return name;
}

const reactionsAdd: MethodHandler = (ctx) => {
  const name = reactionName(ctx);
  const { message } = target(ctx);
  const bot = ctx.state.identity.botUserId;
  const reactions = (message.reactions ??= []);
  const existing = reactions.find((r) => r.name === name);
  if (existing?.users.includes(bot)) throw new SlackApiError('already_reacted');
  if (existing) {
    existing.users.push(bot);
    existing.count += 1;
  } else {
    reactions.push({ name, users: [bot], count: 1 });
  }
  return {};
};

const reactionsRemove: MethodHandler = (ctx) => {
  const name = reactionName(ctx);
  const { message } = target(ctx);
  const bot = ctx.state.identity.botUserId;
  const existing = message.reactions?.find((r) => r.name === name);
  if (!existing?.users.includes(bot)) throw new SlackApiError('no_reaction');
  existing.users = existing.users.filter((u) => u !== bot);
  existing.count -= 1;
  message.reactions = message.reactions?.filter((r) => r.count > 0);
  if (message.reactions?.length === 0) delete message.reactions;
  return {};
};

export const pinAndReactionMethods: Record<string, MethodHandler> = {
  'pins.add': pinsAdd,
  'pins.remove': pinsRemove,
  'pins.list': pinsList,
  'reactions.add': reactionsAdd,
  'reactions.remove': reactionsRemove,
};
