// The shapes the fake Slack keeps in memory. Field names follow Slack's JSON
// (snake_case) so that what the fake stores is what it answers with.

export interface UserSeed {
  id: string;
  name: string;
  realName?: string;
  /** IANA zone, e.g. 'Europe/Berlin'; tz_label and tz_offset are derived from it like Slack does. */
  tz?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
}

export interface UsergroupSeed {
  id: string;
  handle: string;
  name?: string;
  users: string[];
}

export interface ChannelSeed {
  id?: string;
  name: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  members?: string[];
  /** Whether the bot is already a member (default true): a bot that isn't gets `not_in_channel` on posts. */
  botIsMember?: boolean;
}

export interface FakeUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  deleted: boolean;
  is_bot: boolean;
  tz: string;
  tz_label: string;
  tz_offset: number;
  profile: { real_name: string; display_name: string; email?: string };
}

export interface FakeUsergroup {
  id: string;
  team_id: string;
  handle: string;
  name: string;
  users: string[];
}

export interface TextObject {
  value: string;
  creator: string;
  last_set: number;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  is_im: boolean;
  /** For a DM: the user on the other side. */
  user?: string;
  created: number;
  creator: string;
  members: Set<string>;
  topic: TextObject;
  purpose: TextObject;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface FakeMessage {
  type: 'message';
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
  reactions?: Reaction[];
  pinned_to?: string[];
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
}

export interface FakePin {
  channel: string;
  ts: string;
  created: number;
  created_by: string;
}

/** A view as views.open/update/push/publish answer with it (Slack's ViewOutput shape). */
export interface FakeView {
  id: string;
  team_id: string;
  type: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, Record<string, unknown>> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

/** Which user a view was shown to and how. */
export interface ViewRecord {
  view: FakeView;
  userId?: string;
  via: 'views.open' | 'views.push' | 'views.publish';
  triggerId?: string;
}

export interface ResponseUrlPost {
  body: unknown;
  contentType: string;
  at: number;
  /** The HTTP status the fake answered with (404 once the url is used up or expired). */
  status: number;
}
