// What the incident workflow asks of the outside world. Implemented in
// src/activities; only the types cross into the workflow bundle.
import type { IncidentState, TimelineKind } from '../../domain/incident';
import type { IncidentNotification } from '../../domain/notification';
import type { NotificationActivities } from '../notification-queue';

export interface RecordIncidentEventInput {
  /** `${incidentId}:${sequence}`: unique per event, stable across retries and replays. */
  eventId: string;
  /** The incident as it is after this event. */
  incident: IncidentState;
  entry: { kind: TimelineKind; actor: string; text: string; at: string };
}

export interface IncidentActivities extends NotificationActivities {
  recordIncidentEvent(input: RecordIncidentEventInput): Promise<void>;
  /** Tells the connected systems (Slack...) about a recorded event, in order. */
  publishIncidentEvent(input: RecordIncidentEventInput): Promise<void>;
  deliverNotification(notification: IncidentNotification): Promise<void>;
}
