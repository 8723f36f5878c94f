import type { AffectedCustomer, BreachNotice, NoticeDelivery } from '../../domain/breach';

/** The breach workflow's live state (the `breachState` query). Times are ISO-8601. */
export interface BreachState {
  id: string;
  incidentId: string;
  incidentTitle: string;
  verifiedAt: string;
  verifiedBy: string;
  /** T0 + the contractual notice window. */
  deadline: string;
  /** GDPR Art. 33: T0 + 72 h. */
  authorityDeadline: string;
  status: 'awaiting_approval' | 'sending' | 'sent';
  customers: AffectedCustomer[];
  notice?: BreachNotice;
  changesRequested?: { by: string; at: string; comment: string };
  approvedBy?: string;
  approvedAt?: string;
  deliveries: NoticeDelivery[];
  /** Reminder ladder steps already sent. */
  ladderSent: number;
  missedAt?: string;
  /** Reminders sent after the miss. */
  afterMissReminders: number;
  completedAt?: string;
  authority: { notifiedAt?: string; reference?: string; by?: string; remindersSent: number };
  eventCount: number;
  /** Notifications sent so far: each gets the key `<id>:n<count>`. */
  notificationCount?: number;
}
