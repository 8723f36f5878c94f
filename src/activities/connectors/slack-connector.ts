// Slack: each incident gets a channel with the declarer and on-call invited and
// a pinned summary kept current; every event is posted there once, reminders go
// to the channel and to the escalation targets, and resolution posts the
// postmortem draft.
import type { WebClient } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/client';
import type { IncidentState } from '../../domain/incident';
import type { IncidentNotification } from '../../domain/notification';
import { postmortemDraft } from '../../incidents/postmortem-draft';
import type { SlackPolicy } from '../../policy/schema';
import { ACTION } from '../../slack/action-ids';
import { ensureIncidentChannel, findIncidentChannel, type IncidentChannel } from '../../slack/incident-channels';
import { postOnce } from '../../slack/post-once';
import { safeMrkdwn } from '../../slack/mrkdwn';
import { mention, summaryMessage } from '../../slack/summary-message';
import { slackCall, slackErrorCode } from '../../slack/web-client';
import type { RecordIncidentEventInput } from '../../workflows/incident/activities-contract';
import type { Connector } from './connector';

const ICON: Record<string, string> = {
  acknowledged: ':eyes:',
  triaged: ':mag:',
  severity_changed: ':arrow_up_down:',
  role_assigned: ':bust_in_silhouette:',
  status_update: ':loudspeaker:',
  mitigated: ':adhesive_bandage:',
  resolved: ':white_check_mark:',
  postmortem_started: ':memo:',
  postmortem_completed: ':memo:',
  action_done: ':ballot_box_with_check:',
  closed: ':lock:',
  alert_repeated: ':repeat:',
  alert_resolved: ':large_green_circle:',
  breach_suspected: ':lock:',
  breach_verified: ':lock:',
  breach_progress: ':lock:',
};

/** Events whose effect is already visible in the channel: not echoed. */
const SILENT = new Set(['declared', 'note', 'ack_escalated', 'status_reminder', 'postmortem_reminder']);

export class SlackConnector implements Connector {
  readonly name = 'slack';

  constructor(
    private readonly slack: WebClient,
    private readonly db: Db,
    private readonly policy: SlackPolicy,
  ) {}

  async onIncidentEvent({ eventId, incident, entry }: RecordIncidentEventInput): Promise<void> {
    const channel = await ensureIncidentChannel(this.slack, this.db, this.policy.channelPrefix, incident);
    if (entry.kind === 'declared') await this.invite(channel.channelId, incident);
    const summaryTs = channel.summaryTs ?? (await this.postSummary(channel, incident));

    if (entry.kind === 'action_added') {
      const action = incident.actions[incident.actions.length - 1];
      if (action) await this.postAction(eventId, channel.channelId, incident.id, action.id, safeMrkdwn(entry.text));
    } else if (!SILENT.has(entry.kind)) {
      await postOnce(this.slack, this.db, eventId, channel.channelId, {
        text: `${ICON[entry.kind] ?? ':information_source:'} ${mention(entry.actor)}: ${safeMrkdwn(entry.text)}`,
      });
    }
    if (entry.kind === 'resolved') await this.postPostmortemDraft(channel.channelId, incident);

    const { text, blocks } = summaryMessage(incident);
    await slackCall('chat.update', () => this.slack.chat.update({ channel: channel.channelId, ts: summaryTs, text, blocks }));
  }

  async deliver(n: IncidentNotification): Promise<void> {
    const channel = await findIncidentChannel(this.db, n.incidentId);
    const destinations = new Set<string>();
    for (const target of n.audience) {
      if (target === 'incident-channel') {
        if (channel) destinations.add(channel.channelId);
      } else if (this.policy.escalationTargets[target]) {
        destinations.add(this.policy.escalationTargets[target]);
      } else if (/^[UW][A-Z0-9]{2,}$/.test(target)) {
        destinations.add(target); // a direct message to a person
      }
    }
    const link = channel ? ` (<#${channel.channelId}>)` : '';
    // Every destination is tried: one that Slack refuses (an archived channel, a
    // deactivated user) must not keep the notice from the others. A retry posts
    // only what is missing (post-once keys).
    const failures: unknown[] = [];
    for (const destination of destinations) {
      // Notices quote titles, customer names and addresses: never a ping or a disguised link.
      const text = destination === channel?.channelId ? `:alarm_clock: ${safeMrkdwn(n.text)}` : `:rotating_light: ${safeMrkdwn(n.text)}${link}`;
      await postOnce(this.slack, this.db, `${n.eventId}:${destination}`, destination, { text }).catch((err: unknown) => failures.push(err));
    }
    // A failure worth retrying (rate limit, outage) decides first; else the first permanent one.
    const retryable = failures.find((f) => !(f instanceof ApplicationFailure && f.nonRetryable));
    if (retryable !== undefined || failures.length > 0) throw retryable ?? failures[0];
  }

  private async postSummary(channel: IncidentChannel, incident: IncidentState): Promise<string> {
    const ts = await postOnce(this.slack, this.db, `${incident.id}:summary`, channel.channelId, summaryMessage(incident));
    try {
      await slackCall('pins.add', () => this.slack.pins.add({ channel: channel.channelId, timestamp: ts }));
    } catch (err) {
      if (slackErrorCode(err) !== 'already_pinned') throw err;
    }
    await this.db.slackChannel.update({ where: { incidentId: incident.id }, data: { summaryTs: ts } });
    return ts;
  }

  private async invite(channelId: string, incident: IncidentState): Promise<void> {
    const users = new Set(this.policy.onCallUsers);
    if (/^[UW][A-Z0-9]{2,}$/.test(incident.declaredBy)) users.add(incident.declaredBy);
    if (this.policy.onCallUsergroup) {
      const group = await slackCall('usergroups.users.list', () =>
        this.slack.usergroups.users.list({ usergroup: this.policy.onCallUsergroup ?? '' }),
      );
      for (const user of group.users ?? []) users.add(user);
    }
    for (const user of users) {
      try {
        await slackCall('conversations.invite', () => this.slack.conversations.invite({ channel: channelId, users: user }));
      } catch (err) {
        // Already there (a retry), or the bot itself: nothing to do.
        if (!['already_in_channel', 'cant_invite_self'].includes(slackErrorCode(err) ?? '')) throw err;
      }
    }
  }

  private async postAction(eventId: string, channelId: string, incidentId: string, actionId: string, text: string) {
    await postOnce(this.slack, this.db, eventId, channelId, {
      text: `:white_check_mark: ${text}`,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `:white_check_mark: ${text}` },
          accessory: {
            type: 'button',
            text: { type: 'plain_text', text: 'Done' },
            action_id: ACTION.actionDone,
            value: `${incidentId}|${actionId}`,
          },
        },
      ],
    });
  }

  private async postPostmortemDraft(channelId: string, incident: IncidentState): Promise<void> {
    const timeline = await this.db.timelineEntry.findMany({
      where: { incidentId: incident.id },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      select: { kind: true, actor: true, text: true, occurredAt: true },
    });
    const draft = postmortemDraft(incident, timeline);
    await postOnce(this.slack, this.db, `${incident.id}:postmortem-draft`, channelId, {
      text: `:memo: Postmortem draft (due ${incident.postmortemDueAt ?? 'n/a'}):\n\`\`\`\n${draft.slice(0, 38_000)}\n\`\`\``,
    });
  }
}
