import type { SendBreachNoticeInput, SendBreachNoticeResult } from '../../domain/breach';
import type { IncidentNotification } from '../../domain/notification';
import type { NotificationActivities } from '../notification-queue';
import type { BreachState } from './state';
import type { BreachStateV2, DeliveryCounts } from './state-v2';

export interface RecordBreachEventInput {
  eventId: string;
  breach: BreachState | BreachStateV2;
  entry: { kind: string; actor: string; text: string; at: string };
}

export interface OpenBreachDeliveriesInput {
  breachId: string;
  revision: number;
}

export interface CorrectBreachContactInput {
  breachId: string;
  customerId: string;
  email: string;
  /** Trimmed and lower-cased. */
  newEmail: string;
}

export type CorrectBreachContactResult = { ok: true; counts: DeliveryCounts } | { ok: false; reason: string };

export interface SendBreachNoticePageInput {
  breachId: string;
  incidentId: string;
  notice: SendBreachNoticeInput['notice'];
  verifiedAt: string;
  deadline: string;
  /** Workflow time at the start of the page: a notice is late if this or its send is past the deadline. */
  notBefore: string;
  limit: number;
  concurrency: number;
  /**
   * The previous page's worker died (heartbeat timeout). Kept for running
   * workflows that send it; pages take any claim not renewed for a few seconds.
   */
  takeOverClaims?: boolean;
}

export interface RejectedNotice {
  customerId: string;
  customerName: string;
  email: string;
  error: string;
}

export interface SendBreachNoticePageResult {
  sent: number;
  /** Up to a few of this page's rejected addresses (`rejectedCount` says how many). */
  rejected: RejectedNotice[];
  rejectedCount: number;
  /** Not sent for a transient reason (mail server down): pending again. */
  failed: number;
  /** The first transient failure, email addresses redacted. */
  failure?: string;
  /** Claimed by another live attempt. */
  inProgress: number;
  counts: DeliveryCounts;
}

export interface BreachActivities extends NotificationActivities {
  recordBreachEvent(input: RecordBreachEventInput): Promise<void>;
  sendBreachNotice(input: SendBreachNoticeInput): Promise<SendBreachNoticeResult>;
  deliverNotification(notification: IncidentNotification): Promise<void>;
}

/** The v2 workflow's: recipients and deliveries live in PostgreSQL. */
export interface BreachActivitiesV2 extends BreachActivities {
  openBreachDeliveries(input: OpenBreachDeliveriesInput): Promise<DeliveryCounts>;
  correctBreachContact(input: CorrectBreachContactInput): Promise<CorrectBreachContactResult>;
  sendBreachNoticePage(input: SendBreachNoticePageInput): Promise<SendBreachNoticePageResult>;
}
