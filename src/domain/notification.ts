// A reminder or escalation the workflow asks to deliver. Connectors (log,
// Slack, email...) decide how; `eventId` lets each one deliver exactly once.

export type NotificationKind =
  | 'ack_escalation'
  | 'status_reminder'
  | 'postmortem_reminder'
  | 'breach_reminder'
  | 'breach_deadline_missed'
  | 'breach_delivery_rejected'
  | 'breach_delivery_failing'
  | 'authority_reminder';

export interface IncidentNotification {
  eventId: string;
  incidentId: string;
  kind: NotificationKind;
  /** Where it goes: "incident-channel", a policy escalation target, or a user id. */
  audience: string[];
  text: string;
}
