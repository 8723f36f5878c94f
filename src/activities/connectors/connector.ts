import type { IncidentNotification } from '../../domain/notification';
import type { RecordIncidentEventInput } from '../../workflows/incident/activities-contract';

/**
 * An outside system Rampart talks to (log, Slack, email...). Adding one is one
 * new file implementing this. Both methods are called from retried activities:
 * they must be idempotent on the event's / notification's `eventId`.
 */
export interface Connector {
  readonly name: string;
  /** Every recorded incident event, in order (declared, status update, resolved...). */
  onIncidentEvent?(event: RecordIncidentEventInput): Promise<void>;
  /** A reminder or escalation to deliver. */
  deliver?(notification: IncidentNotification): Promise<void>;
}
