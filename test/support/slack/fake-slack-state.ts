// In-memory workspace behind the fake Slack Web API: users, user groups,
// channels with their messages, pins, views and trigger ids. Tests may seed it
// directly (addUser/addChannel/addMessage) and inspect it after the bot ran.
import { randomBytes } from 'node:crypto';
import { TEST_APP, TEST_TEAM } from './slack-ids';
import type {
  ChannelSeed,
  FakeChannel,
  FakeEphemeral,
  FakeMessage,
  FakePin,
  FakeUser,
  FakeUsergroup,
  ResponseUrlPost,
  UserSeed,
  UsergroupSeed,
  ViewRecord,
} from './fake-slack-model';

export interface WorkspaceIdentity {
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
}

export const DEFAULT_IDENTITY: WorkspaceIdentity = {
  teamId: TEST_TEAM.id,
  teamDomain: TEST_TEAM.domain,
  teamName: TEST_TEAM.name,
  appId: TEST_APP.appId,
  botUserId: TEST_APP.botUserId,
  botId: TEST_APP.botId,
  botName: TEST_APP.botName,
};

export interface TriggerRecord {
  issuedAt: number;
  used: boolean;
  /** The user whose click/command the trigger stands for, when the test said. */
  userId?: string;
  /** The same user acted again after it (their next trigger was issued). */
  superseded?: boolean;
}

/**
 * When an unused trigger_id stops working for views.open/push:
 * - 'ttl': triggerTtlMs after it was issued, on the fake's clock (Slack's rule, 3 s);
 * - 'next-trigger': when the same user's next trigger is issued (their next click
 *   or command). No real time is involved, so a slow machine fails no test, yet a
 *   bot that opens its modal after the user moved on is still refused.
 */
export type TriggerExpiry = 'ttl' | 'next-trigger';

export class FakeSlackState {
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, FakeUsergroup>();
  readonly channels = new Map<string, FakeChannel>();
  /** Top-level messages and thread replies of each channel, oldest first. */
  readonly messagesByChannel = new Map<string, FakeMessage[]>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly pins: FakePin[] = [];
  readonly views = new Map<string, ViewRecord>();
  /** user id → id of the Home tab view last published for them. */
  readonly homeViews = new Map<string, string>();
  readonly triggers = new Map<string, TriggerRecord>();
  readonly responseUrlPosts = new Map<string, ResponseUrlPost[]>();
  /** Where apps.connections.open sends Socket Mode clients (set by fake-socket-mode.ts). */
  socketModeUrl: string | undefined;
  /** How long an issued trigger_id stays usable for views.open/push (Slack: 3 s), with triggerExpiry 'ttl'. */
  triggerTtlMs = 3000;
  triggerExpiry: TriggerExpiry = 'ttl';
  private readonly counters = new Map<string, number>();
  private lastTsMicros = 0;

  constructor(
    readonly identity: WorkspaceIdentity,
    readonly now: () => number,
  ) {}

  clear(): void {
    this.users.clear();
    this.usergroups.clear();
    this.channels.clear();
    this.messagesByChannel.clear();
    this.ephemerals.length = 0;
    this.pins.length = 0;
    this.views.clear();
    this.homeViews.clear();
    this.triggers.clear();
    this.responseUrlPosts.clear();
    this.counters.clear();
  }

  /** Slack-looking ids (uppercase alphanumerics after a type letter), deterministic per prefix. */
  nextId(prefix: string): string {
    return `${prefix}0${this.count(prefix).toString(36).toUpperCase().padStart(8, '0')}`;
  }

  private count(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  /**
   * A message timestamp: "<seconds>.<microseconds>", unique and increasing across the
   * workspace (Slack's are unique per channel; stricter here keeps ordering obvious).
   */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  addUser(seed: UserSeed): FakeUser {
    const tz = seed.tz ?? 'UTC';
    const realName = seed.realName ?? seed.name;
    const user: FakeUser = {
      id: seed.id,
      team_id: this.identity.teamId,
      name: seed.name,
      real_name: realName,
      deleted: seed.deleted ?? false,
      is_bot: seed.isBot ?? false,
      tz,
      tz_label: zoneLabel(tz, this.now()),
      tz_offset: zoneOffsetSeconds(tz, this.now()),
      profile: { real_name: realName, display_name: seed.name, ...(seed.email ? { email: seed.email } : {}) },
    };
    this.users.set(user.id, user);
    return user;
  }

  addUsergroup(seed: UsergroupSeed): FakeUsergroup {
    const group: FakeUsergroup = {
      id: seed.id,
      team_id: this.identity.teamId,
      handle: seed.handle,
      name: seed.name ?? seed.handle,
      users: [...seed.users],
    };
    this.usergroups.set(group.id, group);
    return group;
  }

  addChannel(seed: ChannelSeed, creator = this.identity.botUserId): FakeChannel {
    const members = new Set(seed.members ?? []);
    if (seed.botIsMember ?? true) members.add(this.identity.botUserId);
    const empty = { value: '', creator: '', last_set: 0 };
    const channel: FakeChannel = {
      id: seed.id ?? this.nextId('C'),
      name: seed.name,
      is_private: seed.isPrivate ?? false,
      is_archived: seed.isArchived ?? false,
      is_im: false,
      created: this.nowSeconds(),
      creator,
      members,
      topic: { ...empty },
      purpose: { ...empty },
    };
    this.channels.set(channel.id, channel);
    this.messagesByChannel.set(channel.id, []);
    return channel;
  }

  /** The DM channel between the bot and a user, opened on first use like chat.postMessage(channel: U…) does. */
  imWith(userId: string): FakeChannel {
    for (const ch of this.channels.values()) if (ch.is_im && ch.user === userId) return ch;
    const ch = this.addChannel({ id: `D${userId.slice(1)}`, name: userId, isPrivate: true, members: [userId] });
    ch.is_im = true;
    ch.user = userId;
    return ch;
  }

  channelByName(name: string): FakeChannel | undefined {
    const bare = name.replace(/^#/, '');
    for (const ch of this.channels.values()) if (!ch.is_im && ch.name === bare) return ch;
    return undefined;
  }

  messages(channelId: string): FakeMessage[] {
    return this.messagesByChannel.get(channelId) ?? [];
  }

  findMessage(channelId: string, ts: string): FakeMessage | undefined {
    return this.messages(channelId).find((m) => m.ts === ts);
  }

  /** Seeds a message as if a person (or another app) had posted it; returns it with its ts. */
  addMessage(channelId: string, msg: Partial<FakeMessage> & { text: string; user: string }): FakeMessage {
    const message: FakeMessage = { type: 'message', ts: this.nextTs(), team: this.identity.teamId, ...msg };
    const list = this.messagesByChannel.get(channelId);
    if (!list) throw new Error(`fake slack: no channel ${channelId}`);
    list.push(message);
    return message;
  }

  /** A trigger id like the ones Slack puts in interactive payloads ("<n>.<n>.<hex>"). */
  issueTriggerId(userId?: string): string {
    const id = `${this.nowSeconds()}${String(this.count('trigger')).padStart(3, '0')}.47445629121.${randomBytes(16).toString('hex')}`;
    if (userId && this.triggerExpiry === 'next-trigger') {
      for (const earlier of this.triggers.values()) if (earlier.userId === userId) earlier.superseded = true;
    }
    this.triggers.set(id, { issuedAt: this.now(), used: false, ...(userId ? { userId } : {}) });
    return id;
  }
}

/** e.g. 'Central European Summer Time', as Slack's tz_label. */
function zoneLabel(tz: string, at: number): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? tz;
}

/** Seconds east of UTC at `at`, as Slack's tz_offset. */
function zoneOffsetSeconds(tz: string, at: number): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part?.value ?? '');
  if (!m) return 0; // plain "GMT"
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}
