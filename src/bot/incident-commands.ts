// Runs a parsed `/incident` command for a Slack user. Returns the ephemeral
// reply to show; throws UserFacingError for anything the user should fix.
import type { WebClient } from '@slack/web-api';
import { mayDirectIncident } from '../domain/permissions';
import { incidentIdOfChannel } from '../slack/incident-channels';
import { mention } from '../slack/summary-message';
import type { BotDeps } from './bot-deps';
import { BREACH_FORM_TITLES, runBreachCommand } from './breach-commands';
import { HELP_TEXT, type IncidentCommand } from './command-parser';
import { withPendingModal, type PendingModal } from './pending-modal';
import { UserFacingError } from './user-facing-error';
import { declareModal } from './views';

export interface CommandContext {
  userId: string;
  channelId: string;
  triggerId: string;
  client: WebClient;
  /** A modal already opened with the trigger_id (see runIncidentCommand). */
  modal?: PendingModal;
}

const NOT_AN_INCIDENT_CHANNEL =
  'This is not an incident channel. Run this in the incident’s channel, or start one with `/incident declare`.';

export async function runIncidentCommand(deps: BotDeps, cmd: IncidentCommand, ctx: CommandContext): Promise<string | undefined> {
  switch (cmd.kind) {
    case 'help':
      return HELP_TEXT;
    case 'declare':
      await ctx.client.views.open({ trigger_id: ctx.triggerId, view: declareModal(cmd.title) });
      return undefined;
    case 'list':
      return listOpenIncidents(deps);
    default:
      break;
  }
  // A command that shows a form opens it before anything is looked up: the trigger_id lives 3 s.
  const form = cmd.kind === 'breach' ? BREACH_FORM_TITLES[cmd.breach.action] : undefined;
  if (form) return withPendingModal(ctx.client, ctx.triggerId, form, (modal) => runInIncidentChannel(deps, cmd, { ...ctx, modal }));
  return runInIncidentChannel(deps, cmd, ctx);
}

async function runInIncidentChannel(deps: BotDeps, cmd: IncidentCommand, ctx: CommandContext): Promise<string | undefined> {
  const { incidents } = deps;
  const actor = ctx.userId;
  const id = await incidentIdOfChannel(deps.db, ctx.channelId);
  if (!id) throw new UserFacingError(NOT_AN_INCIDENT_CHANNEL);
  const guard = async (what: string) => {
    const state = await incidents.get(id);
    if (!mayDirectIncident(deps.policy.incident.responders, state.roles.commander, actor)) {
      throw new UserFacingError(
        `Only the commander (${mention(state.roles.commander)}) or the incident-response group may ${what} ${id}.`,
      );
    }
  };

  switch (cmd.kind) {
    case 'ack':
      await incidents.acknowledge(id, { actor });
      return `Acknowledged ${id}.`;
    case 'severity':
      await guard('change the severity of');
      await incidents.setSeverity(id, { actor, severity: cmd.severity });
      return `Severity of ${id} is now ${cmd.severity}.`;
    case 'role':
      await incidents.assignRole(id, { actor, role: cmd.role, userId: cmd.userId });
      return `<@${cmd.userId}> is now ${cmd.role} of ${id}.`;
    case 'status':
      await incidents.postStatus(id, { actor, text: cmd.text });
      return undefined; // posted to the channel by Rampart
    case 'mitigated':
      await incidents.mitigate(id, { actor, note: cmd.note });
      return undefined;
    case 'resolve':
      await guard('resolve');
      await incidents.resolve(id, { actor, note: cmd.note });
      return undefined;
    case 'timeline':
      return timelineText(deps, id);
    case 'action-add':
      await incidents.addAction(id, { actor, title: cmd.title });
      return undefined;
    case 'action-done':
      await incidents.completeAction(id, { actor, actionId: cmd.actionId });
      return `${cmd.actionId} is done.`;
    case 'postmortem-done':
      await incidents.completePostmortem(id, { actor, document: cmd.document });
      return `Postmortem of ${id} recorded. \`/incident close\` closes the incident.`;
    case 'close':
      await guard('close');
      await incidents.close(id, { actor });
      return `${id} is closed.`;
    case 'breach':
      return runBreachCommand(deps, id, actor, cmd.breach, { client: ctx.client, triggerId: ctx.triggerId, channelId: ctx.channelId, modal: ctx.modal });
  }
}

async function listOpenIncidents({ incidents, db }: BotDeps): Promise<string> {
  const open = await incidents.list({ open: true });
  if (open.length === 0) return 'No open incidents.';
  const channels = await db.slackChannel.findMany({ where: { incidentId: { in: open.map((i) => i.id) } } });
  const channelOf = new Map(channels.map((c) => [c.incidentId, c.channelId]));
  const now = Date.now();
  const lines = open.map((i) => {
    const commander = i.roles.find((r) => r.role === 'commander')?.userId;
    const channel = channelOf.get(i.id);
    return `• *${i.severity}* ${i.id} ${i.title} — ${i.status.toLowerCase()}, ${age(now - i.declaredAt.getTime())} old, commander ${mention(commander)}${channel ? `, <#${channel}>` : ''}`;
  });
  return [`*Open incidents (${open.length})*`, ...lines].join('\n');
}

async function timelineText({ incidents }: BotDeps, id: string): Promise<string> {
  const entries = await incidents.timeline(id);
  const shown = entries.slice(-40);
  const lines = shown.map(
    (e) => `• ${e.occurredAt.toISOString().slice(0, 16).replace('T', ' ')} ${mention(e.actor)} ${e.text.split('\n')[0]}`,
  );
  const skipped = entries.length - shown.length;
  return [`*Timeline of ${id}*${skipped ? ` (last 40 of ${entries.length})` : ''}`, ...lines].join('\n');
}

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}
