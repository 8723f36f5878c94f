// Reminders and escalations leave the workflow on a queue of their own: the
// clock that decides them never waits for Slack. A notification Slack cannot
// take (after retries, or past its time bound) is recorded as a failure and sent
// another way (email to the policy's fallback addresses); nothing of it can fail
// the workflow. Deterministic: only workflow APIs.
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities } from '@temporalio/workflow';
import type { FallbackNotificationInput, FallbackNotificationResult, IncidentNotification } from '../domain/notification';

export interface NotificationActivities {
  deliverNotification(notification: IncidentNotification): Promise<void>;
  sendFallbackNotification(input: FallbackNotificationInput): Promise<FallbackNotificationResult>;
}

const { deliverNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  // A Slack outage is retried for a while, then given up on and told another way.
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { sendFallbackNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface NotificationQueue {
  /** Queues the notification; returns at once. */
  send(notification: IncidentNotification): void;
  /** Settles when everything queued so far has been delivered or recorded as failed. */
  drained(): Promise<void>;
}

/** `recordFailure` writes the timeline entry saying what did not arrive and what was done instead. */
export function notificationQueue(recordFailure: (text: string) => Promise<void>): NotificationQueue {
  let queue: Promise<void> = Promise.resolve();

  async function deliverOrFallBack(notification: IncidentNotification): Promise<void> {
    try {
      await deliverNotification(notification);
      return;
    } catch (err) {
      const reason = failureReason(err);
      let instead: string;
      try {
        const fallback = await sendFallbackNotification({ notification, reason });
        instead = fallback.sent ? `sent by email to ${fallback.recipients} fallback address(es) instead` : `not sent another way: ${fallback.why}`;
      } catch (fallbackErr) {
        instead = `the fallback email failed too (${failureReason(fallbackErr)})`;
      }
      await recordFailure(`The ${notification.kind.replaceAll('_', ' ')} for ${notification.audience.join(', ')} could not be delivered (${reason}); ${instead}.`);
    }
  }

  return {
    send(notification) {
      queue = queue.then(() => deliverOrFallBack(notification)).catch(() => undefined);
    },
    drained: () => queue,
  };
}

/** The innermost cause in a few words: "Slack chat.postMessage failed: is_archived", "timed out". */
export function failureReason(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof TimeoutFailure) return 'no answer within its time bound';
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message.slice(0, 300);
  return String(cause).slice(0, 300);
}
