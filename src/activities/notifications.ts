import { ApplicationFailure } from '@temporalio/activity';
import type { IncidentNotification } from '../domain/notification';
import type { Notifier } from './notifiers/notifier';

export function createNotificationActivities(notifiers: readonly Notifier[]) {
  return {
    /** Hands the notification to every connector; any failure retries the activity. */
    async deliverNotification(notification: IncidentNotification): Promise<void> {
      const results = await Promise.allSettled(notifiers.map((n) => n.deliver(notification)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${notifiers[i]?.name}: ${String(r.reason)}`] : []));
      if (failed.length > 0) throw ApplicationFailure.retryable(`notification not delivered by ${failed.join('; ')}`);
    },
  };
}
