// Every patch id the workflows branch on, in one place: a change to a
// workflow's commands must keep runs started before it replaying (see
// test/replay). Remove an id only after `deprecatePatch` has been released and
// no run from before it can still be open.

/** The breach tells its incident when the notice is approved, missed or all delivered. */
export const BREACH_PROGRESS_TO_INCIDENT = 'breach-progress-to-incident';

/**
 * Reminders and escalations are queued, not awaited by the clock; their failure is
 * recorded and sent by email; each has a key of its own.
 */
export const NOTIFICATIONS_OFF_THE_CLOCK = 'notifications-off-the-clock';

/** The breach's deadlines and reminders run beside the sending, not after it. */
export const BREACH_TIMERS_BESIDE_SENDING = 'breach-timers-beside-sending';

/** Sends go through a sliding window of SEND_CONCURRENCY, not batches that wait for their slowest. */
export const BREACH_SEND_WINDOW = 'breach-send-window';

/** A send whose worker died (heartbeat timeout) is retried at once, claim taken over, and no one is alarmed. */
export const BREACH_CRASH_IS_NOT_MAIL_TROUBLE = 'breach-crash-is-not-mail-trouble';

/**
 * New verifications start breachNotificationWorkflowV2 (recipients and deliveries
 * in PostgreSQL, continue-as-new); breaches started before stay v1.
 */
export const BREACH_V2 = 'breach-v2';

/**
 * The incident continues-as-new past the policy's event threshold as well as when the
 * server suggests it, is woken for it mid-wait, hands over only once nothing is in flight,
 * and carries at most the last NOTE_KEYS_KEPT note keys.
 */
export const INCIDENT_HISTORY_BOUNDED = 'incident-history-bounded';
