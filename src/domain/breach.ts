// Breach notification vocabulary, shared by the breach workflow, its
// activities, the API and the bot. Pure types only.

/** The four elements the contract (seed 001 §9) requires in every notice. */
export interface BreachNotice {
  nature: string;
  impact: string;
  mitigation: string;
  contact: string;
}

export interface AffectedCustomer {
  /** Stable within the breach: C1, C2... */
  id: string;
  name: string;
  contacts: string[];
  dataAffected: string;
}

/** `replaced`: a rejected address the officer corrected; its replacement is another delivery. */
export type DeliveryStatus = 'pending' | 'sent' | 'rejected' | 'replaced';

export interface NoticeDelivery {
  /** `${breachId}:${customerId}:${email}`: the idempotency key of the send. */
  key: string;
  customerId: string;
  email: string;
  status: DeliveryStatus;
  messageId?: string;
  smtpResponse?: string;
  sentAt?: string;
  error?: string;
  /** sentAt later than the deadline. */
  late?: boolean;
}

/** What the send activity needs to compose and send one notice. */
export interface SendBreachNoticeInput {
  key: string;
  breachId: string;
  incidentId: string;
  customer: AffectedCustomer;
  email: string;
  notice: BreachNotice;
  verifiedAt: string;
  /**
   * The previous attempt of this delivery is known dead (its heartbeat stopped:
   * a crashed worker): take its claim at once instead of waiting out the lease.
   */
  takeOverClaim?: boolean;
}

export type SendBreachNoticeResult =
  | { status: 'sent'; messageId: string; smtpResponse: string; sentAt: string }
  | { status: 'rejected'; error: string };

/** Failure type of a send attempt that found another attempt of the same delivery under way. */
export const DELIVERY_IN_PROGRESS = 'DeliveryInProgress';

/** Failure type of a send the mail server refused because of Rampart's own configuration (login, TLS). */
export const MAIL_CONFIGURATION = 'MailConfiguration';
