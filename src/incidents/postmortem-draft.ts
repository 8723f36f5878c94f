// The postmortem draft posted when an incident is resolved: markdown generated
// from the incident and its timeline, for the team to complete.
import type { IncidentState } from '../domain/incident';

export interface TimelineLine {
  kind: string;
  actor: string;
  text: string;
  occurredAt: Date;
}

const HIGHLIGHTS = new Set([
  'declared',
  'acknowledged',
  'triaged',
  'severity_changed',
  'status_update',
  'mitigated',
  'resolved',
  'note',
  'ack_escalated',
  'alert_repeated',
  'alert_resolved',
]);

function duration(fromIso: string | undefined, toIso: string | undefined): string {
  if (!fromIso || !toIso) return 'n/a';
  const minutes = Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function postmortemDraft(s: IncidentState, timeline: readonly TimelineLine[]): string {
  const lines = timeline
    .filter((e) => HIGHLIGHTS.has(e.kind))
    .map((e) => `- ${e.occurredAt.toISOString().replace('T', ' ').slice(0, 16)} UTC — ${e.actor}: ${e.text.split('\n')[0]}`);
  const actions = s.actions.length
    ? s.actions.map((a) => `- [${a.doneAt ? 'x' : ' '}] ${a.id}: ${a.title}${a.owner ? ` (owner: ${a.owner})` : ''}`)
    : ['- _none recorded yet: add them with `/incident action add <text>`_'];
  return [
    `# Postmortem: ${s.id} — ${s.title}`,
    '',
    `Severity ${s.severity}. Declared ${s.declaredAt} by ${s.declaredBy}; commander ${s.roles.commander ?? 'unassigned'}.`,
    `Time to acknowledge: ${duration(s.declaredAt, s.acknowledgedAt)}. Time to mitigate: ${duration(s.declaredAt, s.mitigatedAt)}. Time to resolve: ${duration(s.declaredAt, s.resolvedAt)}.`,
    `Postmortem due ${s.postmortemDueAt ?? 'n/a'}.`,
    '',
    '## Summary',
    s.summary || '_What happened, in two or three sentences._',
    '',
    '## Impact',
    `${s.personalData ? 'Personal data may be involved: assess it as a possible breach. ' : ''}_Who and what was affected, for how long._`,
    '',
    '## Timeline',
    ...lines,
    '',
    '## Contributing factors',
    '_What made this possible, and what made it worse or better._',
    '',
    '## Follow-up actions',
    ...actions,
    '',
  ].join('\n');
}
