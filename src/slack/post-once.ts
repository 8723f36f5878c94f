// Posting exactly once. Slack has no idempotency key for chat.postMessage, so
// each post carries its key in message metadata and is recorded in slack_posts.
// A retry finds the record; after a crash between posting and recording, it
// finds the message itself in the channel's recent history by its metadata.
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/client';
import { slackCall } from './web-client';

export const METADATA_EVENT = 'rampart_post';

export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
  threadTs?: string;
}

export async function postOnce(slack: WebClient, db: Db, key: string, channel: string, message: SlackMessage): Promise<string> {
  const recorded = await db.slackPost.findUnique({ where: { key } });
  if (recorded) return recorded.ts;

  const history = await slackCall('conversations.history', () =>
    slack.conversations.history({ channel, limit: 50, include_all_metadata: true }),
  );
  const earlier = history.messages?.find(
    (m) => m.metadata?.event_type === METADATA_EVENT && (m.metadata.event_payload as { key?: string } | undefined)?.key === key,
  );
  const ts =
    earlier?.ts ??
    (
      await slackCall('chat.postMessage', () =>
        slack.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          thread_ts: message.threadTs,
          unfurl_links: false,
          metadata: { event_type: METADATA_EVENT, event_payload: { key } },
        }),
      )
    ).ts;
  if (!ts) throw new Error(`Slack returned no ts for post ${key}`);
  await db.slackPost.upsert({ where: { key }, create: { key, channelId: channel, ts, postedAt: new Date() }, update: {} });
  return ts;
}
