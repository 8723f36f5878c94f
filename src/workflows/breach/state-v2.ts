import type { BreachNotice } from '../../domain/breach';

/** The affected customers as the workflow knows them: the rows stay in PostgreSQL. */
export interface CustomerListRef {
  /** breach_customer_revisions.id */
  revision: number;
  customers: number;
  contacts: number;
  /** Of the list as stored: proves which list was approved. */
  sha256: string;
}

/** breach_deliveries of this breach by status (replaced ones are not counted in total). */
export interface DeliveryCounts {
  total: number;
  pending: number;
  sent: number;
  rejected: number;
  replaced: number;
  late: number;
}

/**
 * The v2 breach workflow's state (the `breachState` query, every recorded event,
 * what continue-as-new carries): a few KB whatever the number of contacts.
 */
export interface BreachStateV2 {
  version: 2;
  id: string;
  incidentId: string;
  incidentTitle: string;
  verifiedAt: string;
  verifiedBy: string;
  deadline: string;
  authorityDeadline: string;
  status: 'awaiting_approval' | 'sending' | 'sent';
  customerList?: CustomerListRef;
  notice?: BreachNotice;
  changesRequested?: { by: string; at: string; comment: string };
  approvedBy?: string;
  approvedAt?: string;
  /** Set once the approval opened the deliveries. */
  deliveries?: DeliveryCounts;
  ladderSent: number;
  missedAt?: string;
  afterMissReminders: number;
  completedAt?: string;
  authority: { notifiedAt?: string; reference?: string; by?: string; remindersSent: number };
  eventCount: number;
  notificationCount: number;
  /** The incident was told of the approval. */
  toldApproved: boolean;
  /** Workflow time the officers were last told the mail server is refusing. */
  mailTroubleToldAt: number;
  /** Runs of this breach so far (continue-as-new). */
  run: number;
}

export function isBreachStateV2<S extends object>(state: S | BreachStateV2): state is BreachStateV2 {
  return (state as { version?: unknown }).version === 2;
}
