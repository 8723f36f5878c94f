import type { IncidentNotification } from '../../domain/notification';

/**
 * A way of telling people (log, Slack, email...). Adding a system is one new
 * file implementing this. `deliver` must be idempotent on `notification.eventId`:
 * activities are retried.
 */
export interface Notifier {
  readonly name: string;
  deliver(notification: IncidentNotification): Promise<void>;
}
