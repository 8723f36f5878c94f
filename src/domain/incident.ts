// Shared incident vocabulary. Pure types and constants only: imported by
// workflows (deterministic sandbox), activities, the API and the bot.

export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = [
  'DECLARED',
  'TRIAGED',
  'MITIGATED',
  'RESOLVED',
  'POSTMORTEM',
  'CLOSED',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Statuses in which the incident is still being fought (reminders run). */
export const OPEN_STATUSES: readonly IncidentStatus[] = ['DECLARED', 'TRIAGED', 'MITIGATED'];

export interface FollowUpAction {
  id: string;
  title: string;
  owner?: string;
  createdAt: string;
  doneAt?: string;
}

/** The workflow's live state, returned by the `state` query. Times are ISO-8601. */
export interface IncidentState {
  id: string;
  title: string;
  summary: string;
  severity: Severity;
  status: IncidentStatus;
  personalData: boolean;
  declaredBy: string;
  source: string;
  dedupKey?: string;
  roles: Record<string, string>;
  declaredAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  triagedAt?: string;
  mitigatedAt?: string;
  resolvedAt?: string;
  postmortemAt?: string;
  closedAt?: string;
  /** While unacknowledged: when the next escalation falls (first one: the policy deadline). */
  acknowledgeBy?: string;
  /** Escalations sent for the missed acknowledgement. */
  escalations: number;
  lastStatusUpdateAt?: string;
  /** While open: when the next status-update reminder falls. */
  nextStatusUpdateDue?: string;
  /** Reminders sent since the last status update. */
  statusReminders: number;
  postmortemDueAt?: string;
  postmortemCompletedAt?: string;
  postmortemDocument?: string;
  /** Postmortem reminders sent (the first one is the "due soon" notice). */
  postmortemReminders: number;
  actions: FollowUpAction[];
  /** Personal-data breach: suspected, then verified by an officer (T0). */
  breach?: {
    suspectedAt?: string;
    suspectedBy?: string;
    verifiedAt?: string;
    verifiedBy?: string;
    workflowId?: string;
    /** Customer notices due (T0 + the contractual window). */
    notifyBy?: string;
    /** Progress reported by the breach workflow, for the pinned summary. */
    progress?: BreachProgress;
  };
  /** Keys of notes already taken (a message pinned and marked counts once). */
  noteKeys?: string[];
  /** Number of events recorded so far (also the idempotency sequence). */
  eventCount: number;
  /** Notifications sent so far: each gets the key `<id>:n<count>`. */
  notificationCount?: number;
  /**
   * Timeline entries from signals not yet recorded when a run handed over to the next
   * (continue-as-new): the next run records them first, at the times they arrived.
   * Only in the state a run continues with.
   */
  heldEntries?: HeldTimelineEntry[];
}

export interface HeldTimelineEntry {
  kind: TimelineKind;
  actor: string;
  text: string;
  at: string;
}

/** What an incident's timeline records; `kind` is a stable machine name. */
export type TimelineKind =
  | 'declared'
  | 'acknowledged'
  | 'severity_changed'
  | 'triaged'
  | 'role_assigned'
  | 'status_update'
  | 'mitigated'
  | 'resolved'
  | 'postmortem_started'
  | 'postmortem_completed'
  | 'action_added'
  | 'action_done'
  | 'closed'
  | 'note'
  | 'alert_repeated'
  | 'alert_resolved'
  | 'ack_escalated'
  | 'status_reminder'
  | 'postmortem_reminder'
  | 'breach_suspected'
  | 'breach_verified'
  | 'breach_progress'
  | 'notification_failed';

/** Where the customer notices stand, as the breach workflow tells its incident. */
export interface BreachProgress {
  stage: 'approved' | 'delivered' | 'missed';
  delivered: number;
  total: number;
  at: string;
  approvedAt?: string;
  missedAt?: string;
}
