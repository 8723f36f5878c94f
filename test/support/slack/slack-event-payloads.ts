// Events API request bodies: JSON, either the one-off url_verification
// challenge or an event_callback envelope around one event.
import { randomBytes } from 'node:crypto';
import type { EnvelopedEvent, KnownEventFromType } from '@slack/bolt';
import { TEST_APP, TEST_TEAM } from './slack-ids';
import { JSON_TYPE, type BuiltRequest } from './slack-interactive-payloads';

export type ReactionAdded = KnownEventFromType<'reaction_added'>;
export type PinAdded = KnownEventFromType<'pin_added'>;

export interface UrlVerification {
  token: string;
  challenge: string;
  type: 'url_verification';
}

function eventTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function json<P>(payload: P): BuiltRequest<P> {
  return { body: JSON.stringify(payload), contentType: JSON_TYPE, payload };
}

export function urlVerification(challenge: string): BuiltRequest<UrlVerification> {
  return json({ token: TEST_APP.verificationToken, challenge, type: 'url_verification' });
}

export function eventCallback<E extends { type: string }>(event: E, opts: { eventId?: string; teamId?: string } = {}): BuiltRequest<EnvelopedEvent<E>> {
  const teamId = opts.teamId ?? TEST_TEAM.id;
  return json({
    token: TEST_APP.verificationToken,
    team_id: teamId,
    context_team_id: teamId,
    api_app_id: TEST_APP.appId,
    event,
    type: 'event_callback',
    // Slack retries deliveries with the same event_id; tests deduplicating on it pass their own.
    event_id: opts.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: TEST_APP.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('base64url')}`,
  });
}

export function reactionAdded(input: { user: string; reaction: string; channel: string; ts: string; itemUser?: string }): ReactionAdded {
  return {
    type: 'reaction_added',
    user: input.user,
    reaction: input.reaction,
    item_user: input.itemUser ?? TEST_APP.botUserId,
    item: { type: 'message', channel: input.channel, ts: input.ts },
    event_ts: eventTs(),
  };
}

export function pinAdded(input: { user: string; channel: string; message: { ts: string; text: string; user: string } }): PinAdded {
  const now = Math.floor(Date.now() / 1000);
  const { ts, text, user } = input.message;
  return {
    type: 'pin_added',
    user: input.user,
    channel_id: input.channel,
    item: {
      type: 'message',
      created: now,
      created_by: input.user,
      channel: input.channel,
      message: {
        type: 'message',
        user,
        text,
        ts,
        team: TEST_TEAM.id,
        permalink: `https://${TEST_TEAM.domain}.slack.com/archives/${input.channel}/p${ts.replace('.', '')}`,
        pinned_to: [input.channel],
      },
    },
    item_user: user,
    pin_count: '1',
    pinned_info: { channel: input.channel, pinned_by: input.user, pinned_ts: now },
    event_ts: eventTs(),
  };
}
