// One channel per incident, created once: the mapping is stored, and a create
// that finds the (incident-unique) name taken adopts the channel it made before.
import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/client';
import type { IncidentState } from '../domain/incident';
import { incidentChannelName } from './channel-name';
import { slackCall, slackErrorCode } from './web-client';

export interface IncidentChannel {
  channelId: string;
  name: string;
  summaryTs: string | null;
}

export async function findIncidentChannel(db: Db, incidentId: string): Promise<IncidentChannel | null> {
  return db.slackChannel.findUnique({ where: { incidentId }, select: { channelId: true, name: true, summaryTs: true } });
}

export async function incidentIdOfChannel(db: Db, channelId: string): Promise<string | undefined> {
  const row = await db.slackChannel.findUnique({ where: { channelId }, select: { incidentId: true } });
  return row?.incidentId;
}

export async function ensureIncidentChannel(slack: WebClient, db: Db, prefix: string, s: IncidentState): Promise<IncidentChannel> {
  const known = await findIncidentChannel(db, s.id);
  if (known) return known;
  const name = incidentChannelName(prefix, s.id, s.title);
  let channelId: string | undefined;
  try {
    const created = await slackCall('conversations.create', () => slack.conversations.create({ name }));
    channelId = created.channel?.id;
  } catch (err) {
    if (slackErrorCode(err) !== 'name_taken') throw err;
    channelId = await findChannelByName(slack, name);
  }
  if (!channelId) throw new Error(`Slack channel ${name} could not be created or found`);
  await slackCall('conversations.setPurpose', () =>
    slack.conversations.setPurpose({ channel: channelId, purpose: `Incident ${s.id}, run by Rampart` }),
  );
  const row = await db.slackChannel.upsert({
    where: { incidentId: s.id },
    create: { incidentId: s.id, channelId, name, createdAt: new Date() },
    update: {},
  });
  return { channelId: row.channelId, name: row.name, summaryTs: row.summaryTs };
}

async function findChannelByName(slack: WebClient, name: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await slackCall('conversations.list', () =>
      slack.conversations.list({ limit: 200, cursor, exclude_archived: true, types: 'public_channel' }),
    );
    const hit = page.channels?.find((c) => c.name === name);
    if (hit?.id) return hit.id;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return undefined;
}
