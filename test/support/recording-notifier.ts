import type { Notifier } from '../../src/activities/notifiers/notifier';
import type { IncidentNotification } from '../../src/domain/notification';

/** A connector that keeps what it was asked to deliver. */
export class RecordingNotifier implements Notifier {
  readonly name = 'recording';
  readonly delivered: IncidentNotification[] = [];
  async deliver(n: IncidentNotification): Promise<void> {
    this.delivered.push(n);
  }
}
