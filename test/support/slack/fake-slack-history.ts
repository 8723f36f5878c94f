// conversations.history / conversations.replies of the fake: newest first,
// bounded by oldest/latest, paged with a cursor, and - like Slack - leaving
// message metadata out unless include_all_metadata is asked for.
import { SlackApiError } from './fake-slack-args';
import { channelArg, decodeCursor, encodeCursor, requireBotMember, type MethodHandler } from './fake-slack-context';
import type { FakeMessage } from './fake-slack-model';

/** Sortable form of a "seconds.micros" ts (string order would misplace "9.1" vs "10.1"). */
export function tsKey(ts: string): string {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return `${seconds.padStart(12, '0')}.${micros.padEnd(6, '0')}`;
}

export function messageJson(message: FakeMessage, includeMetadata: boolean): Record<string, unknown> {
  const { metadata, reactions, pinned_to, blocks, attachments, ...rest } = message;
  return {
    ...rest,
    ...(blocks ? { blocks: structuredClone(blocks) } : {}),
    ...(attachments ? { attachments: structuredClone(attachments) } : {}),
    ...(reactions ? { reactions: reactions.map((r) => ({ ...r, users: [...r.users] })) } : {}),
    ...(pinned_to ? { pinned_to: [...pinned_to] } : {}),
    ...(includeMetadata && metadata ? { metadata: structuredClone(metadata) } : {}),
  };
}

function isTopLevel(m: FakeMessage): boolean {
  return m.thread_ts === undefined || m.thread_ts === m.ts;
}

export const historyPage: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  if (!channel.is_im) requireBotMember(ctx, channel);
  const inclusive = ctx.args.bool('inclusive');
  const oldest = tsKey(ctx.args.str('oldest') ?? '0');
  const latest = ctx.args.str('latest');
  const cursor = decodeCursor(ctx, 'next_ts');
  const inRange = (m: FakeMessage): boolean => {
    const key = tsKey(m.ts);
    if (inclusive ? key < oldest : key <= oldest) return false;
    if (latest !== undefined && (inclusive ? key > tsKey(latest) : key >= tsKey(latest))) return false;
    return cursor === undefined || key <= tsKey(cursor);
  };
  const newestFirst = ctx.state
    .messages(channel.id)
    .filter((m) => isTopLevel(m) && inRange(m))
    .sort((a, b) => (tsKey(a.ts) < tsKey(b.ts) ? 1 : -1));
  const limit = Math.min(Math.max(ctx.args.int('limit', 100), 1), 999);
  const page = newestFirst.slice(0, limit);
  const next = newestFirst[limit];
  const withMetadata = ctx.args.bool('include_all_metadata');
  const pinCount = ctx.state.pins.filter((p) => p.channel === channel.id).length;
  return {
    messages: page.map((m) => messageJson(m, withMetadata)),
    has_more: next !== undefined,
    pin_count: pinCount,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(next ? { response_metadata: { next_cursor: encodeCursor('next_ts', next.ts) } } : {}),
  };
};

export const repliesPage: MethodHandler = (ctx) => {
  const channel = channelArg(ctx);
  if (!channel.is_im) requireBotMember(ctx, channel);
  const ts = ctx.args.str('ts');
  const all = ctx.state.messages(channel.id);
  const parent = all.find((m) => m.ts === ts);
  if (!parent || !ts) throw new SlackApiError('thread_not_found');
  const thread = all.filter((m) => m.ts === ts || m.thread_ts === ts);
  const limit = Math.min(Math.max(ctx.args.int('limit', 1000), 1), 1000);
  const withMetadata = ctx.args.bool('include_all_metadata');
  return {
    messages: thread.slice(0, limit).map((m) => messageJson(m, withMetadata)),
    has_more: thread.length > limit,
  };
};
