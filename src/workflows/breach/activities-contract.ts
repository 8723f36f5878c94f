import type { SendBreachNoticeInput, SendBreachNoticeResult } from '../../domain/breach';
import type { IncidentNotification } from '../../domain/notification';
import type { NotificationActivities } from '../notification-queue';
import type { BreachState } from './state';

export interface RecordBreachEventInput {
  eventId: string;
  breach: BreachState;
  entry: { kind: string; actor: string; text: string; at: string };
}

export interface BreachActivities extends NotificationActivities {
  recordBreachEvent(input: RecordBreachEventInput): Promise<void>;
  sendBreachNotice(input: SendBreachNoticeInput): Promise<SendBreachNoticeResult>;
  deliverNotification(notification: IncidentNotification): Promise<void>;
}
