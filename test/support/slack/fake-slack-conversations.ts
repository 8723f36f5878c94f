// conversations.* methods of the fake Slack Web API, with the error semantics
// the bot has to cope with (name_taken, already_in_channel, not_in_channel…).
import { SlackApiError } from './fake-slack-args';
import {
  channelArg,
  conversationJson,
  decodeCursor,
  encodeCursor,
  requireBotMember,
  type MethodContext,
  type MethodHandler,
} from './fake-slack-context';
import { historyPage, repliesPage } from './fake-slack-history';

const MAX_NAME_LENGTH = 80;

/** Slack's channel-name rules, checked in the order Slack reports them. */
function validateChannelName(name: string | undefined): string {
  if (name === undefined || name === '') throw new SlackApiError('invalid_name_required');
  if (name.length > MAX_NAME_LENGTH) throw new SlackApiError('invalid_name_maxlength');
  if (/^[-_]+$/.test(name)) throw new SlackApiError('invalid_name_punctuation');
  if (!/^[a-z0-9_-]+$/.test(name)) throw new SlackApiError('invalid_name_specials');
  return name;
}

const create: MethodHandler = (ctx) => {
  const name = validateChannelName(ctx.args.str('name'));
  // Archived channels keep their name, so it stays taken.
  if (ctx.state.channelByName(name)) throw new SlackApiError('name_taken');
  const channel = ctx.state.addChannel({ name, isPrivate: ctx.args.bool('is_private') });
  return { channel: conversationJson(ctx, channel) };
};

/** Opens (or finds) the bot's direct-message channel with one user, as Slack does for `users=U…`. */
const open: MethodHandler = (ctx) => {
  const users = ctx.args.list('users');
  if (users.length !== 1) throw new SlackApiError(users.length === 0 ? 'users_list_not_supplied' : 'not_supported');
  const user = users[0] as string;
  if (!ctx.state.users.has(user)) throw new SlackApiError('user_not_found');
  return { channel: { id: ctx.state.imWith(user).id } };
};

const info: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  return { channel: conversationJson(ctx, channel, ctx.args.bool('include_num_members')) };
};

const list: MethodHandler = (ctx) => {
  const types = new Set(ctx.args.list('types').length ? ctx.args.list('types') : ['public_channel']);
  const excludeArchived = ctx.args.bool('exclude_archived');
  const bot = ctx.state.identity.botUserId;
  const visible = [...ctx.state.channels.values()].filter((ch) => {
    if (excludeArchived && ch.is_archived) return false;
    if (ch.is_im) return types.has('im');
    // A bot sees only the private channels it is a member of.
    if (ch.is_private) return types.has('private_channel') && ch.members.has(bot);
    return types.has('public_channel');
  });
  const after = decodeCursor(ctx, 'team');
  const start = after === undefined ? 0 : visible.findIndex((ch) => ch.id === after);
  if (start < 0) throw new SlackApiError('invalid_cursor');
  const limit = Math.min(Math.max(ctx.args.int('limit', 100), 1), 1000);
  const page = visible.slice(start, start + limit);
  const next = visible[start + limit];
  return {
    channels: page.map((ch) => conversationJson(ctx, ch)),
    response_metadata: { next_cursor: next ? encodeCursor('team', next.id) : '' },
  };
};

function inviteOne(ctx: MethodContext, members: Set<string>, user: string): string | undefined {
  if (user === ctx.state.identity.botUserId) return 'cant_invite_self';
  if (!/^[UW][A-Z0-9]{2,}$/.test(user) || ctx.state.users.get(user)?.deleted) return 'user_not_found';
  if (members.has(user)) return 'already_in_channel';
  return undefined;
}

const invite: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  if (channel.is_im) throw new SlackApiError('method_not_supported_for_channel_type');
  const users = ctx.args.list('users');
  if (users.length === 0) throw new SlackApiError('no_user');
  if (channel.is_archived) throw new SlackApiError('is_archived');
  requireBotMember(ctx, channel);
  const errors: { user: string; ok: false; error: string }[] = [];
  const valid: string[] = [];
  for (const user of users) {
    const error = inviteOne(ctx, channel.members, user);
    if (error) errors.push({ user, ok: false, error });
    else valid.push(user);
  }
  const firstError = errors[0];
  // Without force, one bad user fails the whole call and nobody is invited.
  if (firstError && (!ctx.args.bool('force') || valid.length === 0)) {
    throw new SlackApiError(firstError.error, { errors });
  }
  for (const user of valid) channel.members.add(user);
  return { channel: conversationJson(ctx, channel), ...(errors.length ? { errors } : {}) };
};

const join: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  if (channel.is_im || channel.is_private) throw new SlackApiError('method_not_supported_for_channel_type');
  if (channel.is_archived) throw new SlackApiError('is_archived');
  const bot = ctx.state.identity.botUserId;
  if (channel.members.has(bot)) {
    return {
      channel: conversationJson(ctx, channel),
      warning: 'already_in_channel',
      response_metadata: { warnings: ['already_in_channel'] },
    };
  }
  channel.members.add(bot);
  return { channel: conversationJson(ctx, channel) };
};

const archive: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  if (channel.is_im) throw new SlackApiError('method_not_supported_for_channel_type');
  if (channel.is_archived) throw new SlackApiError('already_archived');
  requireBotMember(ctx, channel);
  channel.is_archived = true;
  return {};
};

const members: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  return { members: [...channel.members], response_metadata: { next_cursor: '' } };
};

function setText(field: 'topic' | 'purpose'): MethodHandler {
  return (ctx) => {
    const channel = channelArg(ctx);
    if (channel.is_archived) throw new SlackApiError('is_archived');
    requireBotMember(ctx, channel);
    const value = ctx.args.str(field) ?? '';
    if (value.length > 250) throw new SlackApiError('too_long');
    channel[field] = { value, creator: ctx.state.identity.botUserId, last_set: ctx.state.nowSeconds() };
    return { channel: conversationJson(ctx, channel) };
  };
}

export const conversationMethods: Record<string, MethodHandler> = {
  'conversations.create': create,
  'conversations.open': open,
  'conversations.info': info,
  'conversations.list': list,
  'conversations.invite': invite,
  'conversations.join': join,
  'conversations.archive': archive,
  'conversations.members': members,
  'conversations.setTopic': setText('topic'),
  'conversations.setPurpose': setText('purpose'),
  'conversations.history': historyPage,
  'conversations.replies': repliesPage,
};
