// In-memory activities for workflow tests: they record what the workflow asked
// for, so tests can check the policy's timing and wording.
import type { FallbackNotificationInput, FallbackNotificationResult, IncidentNotification } from '../../src/domain/notification';
import type { IncidentActivities, RecordIncidentEventInput } from '../../src/workflows/incident/activities-contract';

export class RecordingActivities implements IncidentActivities {
  readonly events: RecordIncidentEventInput[] = [];
  readonly notifications: IncidentNotification[] = [];
  /** Every record and publish call in the order they ran, to check one against the other. */
  readonly calls: { op: 'record' | 'publish'; eventId: string }[] = [];

  recordIncidentEvent = async (input: RecordIncidentEventInput): Promise<void> => {
    // Logged when the write is done (after a turn of the event loop), so a publish
    // that did not wait for it would show up first.
    await new Promise((resolve) => setImmediate(resolve));
    this.calls.push({ op: 'record', eventId: input.eventId });
    this.events.push(input);
  };

  readonly published: RecordIncidentEventInput[] = [];
  publishIncidentEvent = async (input: RecordIncidentEventInput): Promise<void> => {
    this.calls.push({ op: 'publish', eventId: input.eventId });
    this.published.push(input);
  };

  deliverNotification = async (n: IncidentNotification): Promise<void> => {
    this.notifications.push(n);
  };

  readonly fallbacks: FallbackNotificationInput[] = [];
  sendFallbackNotification = async (input: FallbackNotificationInput): Promise<FallbackNotificationResult> => {
    this.fallbacks.push(input);
    return { sent: true, recipients: 1 };
  };

  /** Timeline entries of one kind, with their offset from declaration in minutes. */
  entries(kind: string): { minutes: number; text: string }[] {
    const declared = this.events.find((e) => e.entry.kind === 'declared');
    const t0 = Date.parse(declared?.entry.at ?? '');
    return this.events
      .filter((e) => e.entry.kind === kind)
      .map((e) => ({ minutes: (Date.parse(e.entry.at) - t0) / 60_000, text: e.entry.text }));
  }
}
