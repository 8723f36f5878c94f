// What every fake Web API method handler receives, and the lookups most of
// them share (a channel by id, the bot's membership).
import { SlackApiError, type CallArgs } from './fake-slack-args';
import type { FakeChannel, FakeMessage } from './fake-slack-model';
import type { FakeSlackState } from './fake-slack-state';

export interface MethodContext {
  state: FakeSlackState;
  args: CallArgs;
}

/** A handler returns the success body without `ok`, or throws SlackApiError. */
export type MethodHandler = (ctx: MethodContext) => Record<string, unknown>;

export function channelArg(ctx: MethodContext, name = 'channel'): FakeChannel {
  const id = ctx.args.need(name, 'channel_not_found');
  const channel = ctx.state.channels.get(id);
  if (!channel) throw new SlackApiError('channel_not_found');
  return channel;
}

export function requireBotMember(ctx: MethodContext, channel: FakeChannel): void {
  if (!channel.members.has(ctx.state.identity.botUserId)) throw new SlackApiError('not_in_channel');
}

export function messageIn(ctx: MethodContext, channel: FakeChannel, ts: string | undefined): FakeMessage {
  const message = ts === undefined ? undefined : ctx.state.findMessage(channel.id, ts);
  if (!message) throw new SlackApiError('message_not_found');
  return message;
}

/** Slack's opaque pagination cursors are base64 of "<kind>:<position>". */
export function encodeCursor(kind: string, position: string): string {
  return Buffer.from(`${kind}:${position}`).toString('base64');
}

export function decodeCursor(ctx: MethodContext, kind: string): string | undefined {
  const cursor = ctx.args.str('cursor');
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith(`${kind}:`)) throw new SlackApiError('invalid_cursor');
  return decoded.slice(kind.length + 1);
}

export function conversationJson(ctx: MethodContext, ch: FakeChannel, withMemberCount = false): Record<string, unknown> {
  if (ch.is_im) {
    return { id: ch.id, created: ch.created, is_im: true, is_org_shared: false, user: ch.user, is_user_deleted: false, priority: 0 };
  }
  return {
    id: ch.id,
    name: ch.name,
    // Private channels made since 2021 also report is_channel: true and is_group: false.
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: ch.is_private,
    created: ch.created,
    creator: ch.creator,
    is_archived: ch.is_archived,
    is_general: false,
    unlinked: 0,
    name_normalized: ch.name,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: ctx.state.identity.teamId,
    is_member: ch.members.has(ctx.state.identity.botUserId),
    topic: { ...ch.topic },
    purpose: { ...ch.purpose },
    previous_names: [],
    ...(withMemberCount ? { num_members: ch.members.size } : {}),
  };
}
