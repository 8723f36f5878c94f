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

/** A notification a connector could not deliver for good, to be sent another way. */
export interface FallbackNotificationInput {
  notification: IncidentNotification;
  /** Why the first route failed, in plain words (no personal data). */
  reason: string;
}

export type FallbackNotificationResult = { sent: true; recipients: number } | { sent: false; why: string };
