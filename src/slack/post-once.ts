// Posting exactly once. Slack has no idempotency key for chat.postMessage, so
// each post carries its key in message metadata and is recorded in slack_posts.
// A retry finds the record; after a crash between posting and recording, it
// finds the message itself in the channel's recent history by its metadata.
// A person is written to in the bot's direct-message channel with them: Slack
// posts to a user id, but reads history only by the DM channel's own id.
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

/** `destination` is a channel id, or a user id for a direct message from the bot. */
export async function postOnce(slack: WebClient, db: Db, key: string, destination: string, message: SlackMessage): Promise<string> {
  const recorded = await db.slackPost.findUnique({ where: { key } });
  if (recorded) return recorded.ts;
  const channel = await conversationOf(slack, destination);

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

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

async function conversationOf(slack: WebClient, destination: string): Promise<string> {
  if (!USER_ID.test(destination)) return destination;
  const opened = await slackCall('conversations.open', () => slack.conversations.open({ users: destination }));
  const id = opened.channel?.id;
  if (!id) throw new Error(`Slack opened no direct-message channel with ${destination}`);
  return id;
}
