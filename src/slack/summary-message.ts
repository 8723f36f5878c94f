// The pinned summary of an incident channel: state, severity, roles, deadlines
// and the buttons for the common actions. Re-rendered after every event.
import type { KnownBlock } from '@slack/types';
import { OPEN_STATUSES, type BreachProgress, type IncidentState } from '../domain/incident';
import { ACTION } from './action-ids';
import { safeMrkdwn } from './mrkdwn';

const SEVERITY_ICON: Record<string, string> = { SEV1: ':red_circle:', SEV2: ':large_orange_circle:', SEV3: ':large_yellow_circle:', SEV4: ':white_circle:' };

/** Slack's date formatting token: shown in each reader's own time zone. */
export function slackDate(iso: string | undefined): string {
  if (!iso) return '—';
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/** Like slackDate, plus a relative time ("in 5 hours", "2 hours ago") that Slack keeps current. */
export function slackCountdown(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time} ({ago})|${iso}>`;
}

/** A Slack user as a mention; anyone else (an API caller's name) as escaped text. */
export const mention = (user: string | undefined) => (user ? (/^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : safeMrkdwn(user)) : '_unassigned_');

export function summaryMessage(s: IncidentState): { text: string; blocks: KnownBlock[] } {
  const open = OPEN_STATUSES.includes(s.status);
  const roles = Object.entries(s.roles)
    .map(([role, user]) => `*${role}*: ${mention(user)}`)
    .join('   ');
  const deadlines = [
    !s.acknowledgedAt && open ? `:alarm_clock: acknowledge by ${slackDate(s.acknowledgeBy)}` : undefined,
    open && s.nextStatusUpdateDue ? `:loudspeaker: next status update due ${slackDate(s.nextStatusUpdateDue)}` : undefined,
    s.postmortemDueAt && !s.postmortemCompletedAt ? `:memo: postmortem due ${slackDate(s.postmortemDueAt)}` : undefined,
    s.escalations > 0 && !s.acknowledgedAt ? `:rotating_light: escalated ${s.escalations}×` : undefined,
    s.breach?.notifyBy
      ? breachLine(s.breach.notifyBy, s.breach.progress)
      : s.breach?.suspectedAt
        ? ':lock: personal-data breach suspected: an officer must `/incident breach verify`'
        : s.personalData && open
          ? ':lock: personal data may be involved: if it was exposed, press *Personal-data breach?* so an officer can verify it'
          : undefined,
  ].filter(Boolean);
  const openActions = s.actions.filter((a) => !a.doneAt).length;

  const buttons = [
    !s.acknowledgedAt && open ? button('Acknowledge', ACTION.acknowledge, s.id, 'primary') : undefined,
    s.status !== 'CLOSED' ? button('Post status update', ACTION.statusUpdate, s.id) : undefined,
    s.status === 'DECLARED' || s.status === 'TRIAGED' ? button('Mitigated', ACTION.mitigate, s.id) : undefined,
    open ? button('Resolve', ACTION.resolve, s.id, 'danger') : undefined,
    ...breachButtons(s, open),
  ].filter((b): b is NonNullable<typeof b> => b !== undefined);

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `${s.id}: ${s.title}`.slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Status*\n${s.status.toLowerCase()}` },
        { type: 'mrkdwn', text: `*Severity*\n${SEVERITY_ICON[s.severity] ?? ''} ${s.severity}` },
        { type: 'mrkdwn', text: `*Commander*\n${mention(s.roles.commander)}` },
        { type: 'mrkdwn', text: `*Declared*\n${slackDate(s.declaredAt)} by ${mention(s.declaredBy)}` },
      ],
    },
  ];
  if (s.summary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: safeMrkdwn(s.summary.slice(0, 2900)) } });
  const context = [roles, ...deadlines, openActions ? `:white_check_mark: ${openActions} follow-up action(s) open` : undefined]
    .filter((x): x is string => Boolean(x))
    .map((text) => ({ type: 'mrkdwn' as const, text }));
  if (context.length) blocks.push({ type: 'context', elements: context.slice(0, 10) });
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'incident_actions', elements: buttons });
  return { text: `${s.id} [${s.severity}, ${s.status.toLowerCase()}] ${s.title}`, blocks };
}

/** The customer-notice clock, or, once the breach workflow reports it, where the notices stand. */
function breachLine(notifyBy: string, p: BreachProgress | undefined): string {
  const status = '(`/incident breach status`)';
  if (p?.stage === 'delivered') {
    const late = p.missedAt ? ', after the deadline' : '';
    return `:lock: personal-data breach: all ${p.total} customer notice(s) delivered ${slackDate(p.at)}${late} (due ${slackDate(notifyBy)}) ${status}`;
  }
  if (p?.stage === 'missed' || p?.missedAt) {
    return `:rotating_light: personal-data breach: customer notice deadline MISSED ${slackCountdown(notifyBy)}; ${p.total ? `${p.delivered} of ${p.total} delivered` : 'not approved yet'} ${status}`;
  }
  const sending = p?.stage === 'approved' ? `notice approved ${slackDate(p.approvedAt ?? p.at)}, sending; ` : '';
  return `:lock: personal-data breach verified: ${sending}customer notices due ${slackCountdown(notifyBy)} ${status}`;
}

/** The breach steps that come next: suspect, verify (officer), then customers and the notice. */
function breachButtons(s: IncidentState, open: boolean) {
  if (!s.breach) return open ? [button('Personal-data breach?', ACTION.breachSuspect, s.id, s.personalData ? 'danger' : undefined)] : [];
  if (s.status === 'CLOSED') return [];
  if (!s.breach.verifiedAt) return [button('Verify breach', ACTION.breachVerify, s.id, 'danger')];
  return [button('Affected customers', ACTION.breachCustomers, s.id), button('Breach notice', ACTION.breachNotice, s.id)];
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger') {
  return { type: 'button' as const, text: { type: 'plain_text' as const, text }, action_id: actionId, value, ...(style ? { style } : {}) };
}
