// Customer breach notification, v2: the same duties as v1 (see
// breach-notification-workflow.ts: 24-hour notice after an officer's approval,
// reminder ladder, miss and hourly escalation, corrections, GDPR Art. 33 clock),
// with a bounded history whatever the number of contacts:
// - the customer list, the notice's recipients and every delivery live in
//   PostgreSQL; the workflow holds a revision id, counts and a content hash;
// - approval opens the deliveries in one activity; sending goes a page at a
//   time (one activity sends up to SEND_PAGE with a window of SEND_CONCURRENCY);
// - the run continues-as-new when Temporal suggests it or past
//   `continueAsNewAfterEvents`, carrying its small state.
// Runs started as v1 stay v1 (new verifications start this type, patch 'breach-v2').
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { TimeoutType, type UpdateDefinition } from '@temporalio/common';
import { missingNoticeElements } from '../../breach/notice-elements';
import type { BreachProgress } from '../../domain/incident';
import type { NotificationKind } from '../../domain/notification';
import type { BreachPolicy } from '../../policy/schema';
import { iso, nowMs } from '../clock';
import { breachProgressSignal } from '../incident/messages';
import { notificationQueue } from '../notification-queue';
import type { BreachActivitiesV2, SendBreachNoticePageResult } from './activities-contract';
import type { BreachInput } from './breach-notification-workflow';
import type { Actor } from './messages';
import { INVALID_BREACH_ACTION, breachWorkflowId } from './messages';
import * as msg from './messages-v2';
import type { BreachStateV2, CustomerListRef } from './state-v2';

const RETRY_GENTLY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
// Opening deliveries writes a row per contact (tens of thousands): minutes, not seconds.
const { openBreachDeliveries, correctBreachContact } = proxyActivities<BreachActivitiesV2>({ startToCloseTimeout: '2 minutes', retry: RETRY_GENTLY });
// One row: an attempt lost with a crashed worker is retried within seconds.
const { recordBreachEvent } = proxyActivities<BreachActivitiesV2>({ startToCloseTimeout: '10 seconds', retry: RETRY_GENTLY });

// A page reports mail failures in its result, and the workflow retries those
// itself (backing off from 30 s to 5 min) so it can tell the officers, at most
// hourly, while the trouble lasts. What the page throws is a dead worker (its
// heartbeat stopped) or a database error: Temporal retries those at once, with
// no workflow task in between, so a crashed worker's page runs again on the next
// worker as soon as that one polls; only a failure that outlasts the attempts
// reaches the workflow.
const { sendBreachNoticePage } = proxyActivities<BreachActivitiesV2>({
  startToCloseTimeout: '10 minutes',
  // The page heartbeats every second: a worker that died mid-page is known within 5 s.
  heartbeatTimeout: '5 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

const RETRY_AFTER_DEAD_ATTEMPT_MS = 1_000;
const MAIL_RETRY_FIRST_PAUSE_MS = 30_000;
const MAIL_RETRY_MAX_PAUSE_MS = 300_000;
const MAIL_TROUBLE_NOTICE_EVERY_MS = 3_600_000;
const SEND_PAGE = 200;
const SEND_CONCURRENCY = 20;
/** Past this many history events a run continues-as-new (Temporal suggests it near 4 k... 50 k too). */
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 10_000;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export interface BreachOptions {
  /** History length past which the run continues-as-new (tests force it low). */
  continueAsNewAfterEvents?: number;
}

export async function breachNotificationWorkflowV2(
  input: BreachInput,
  policy: BreachPolicy,
  options: BreachOptions = {},
  carried?: BreachStateV2,
): Promise<BreachStateV2> {
  const t0 = Date.parse(input.verifiedAt);
  const state: BreachStateV2 = carried
    ? { ...carried, run: carried.run + 1 }
    : {
        version: 2,
        id: breachWorkflowId(input.incidentId),
        incidentId: input.incidentId,
        incidentTitle: input.incidentTitle,
        verifiedAt: input.verifiedAt,
        verifiedBy: input.verifiedBy,
        deadline: iso(t0 + policy.customerNoticeWithin),
        authorityDeadline: iso(t0 + policy.authority.notifyWithin),
        status: 'awaiting_approval',
        ladderSent: 0,
        afterMissReminders: 0,
        authority: { remindersSent: 0 },
        eventCount: 0,
        notificationCount: 0,
        toldApproved: false,
        mailTroubleToldAt: 0,
        run: 1,
      };
  const eventLimit = options.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  let changes = 0;
  /** Set before continue-as-new: sending stops after its current page. */
  let wrappingUp = false;
  /** A pause between pages that ends early when the run wraps up. */
  const pauseSending = (ms: number) => condition(() => wrappingUp, ms);

  let recording: Promise<void> = Promise.resolve();
  function record(kind: string, actor: string, text: string): Promise<void> {
    state.eventCount += 1;
    const event = { eventId: `${state.id}:${state.eventCount}`, breach: snapshot(), entry: { kind, actor, text, at: iso(nowMs()) } };
    const write = recording.then(() => recordBreachEvent(event));
    recording = write.catch((err: unknown) => log.error('recording a breach event failed', { eventId: event.eventId, err }));
    return write;
  }

  const notifications = notificationQueue((text) => record('notification_failed', 'rampart', text));
  function notify(kind: NotificationKind, audience: string[], text: string): void {
    state.notificationCount += 1;
    notifications.send({ eventId: `${state.id}:n${state.notificationCount}`, incidentId: state.incidentId, kind, audience, text });
  }

  async function tellIncident(stage: BreachProgress['stage']): Promise<void> {
    const progress: BreachProgress = {
      stage,
      delivered: state.deliveries?.sent ?? 0,
      total: state.deliveries?.total ?? 0,
      at: iso(nowMs()),
      approvedAt: state.approvedAt,
      missedAt: state.missedAt,
    };
    await getExternalWorkflowHandle(state.incidentId)
      .signal(breachProgressSignal, progress)
      .catch((err: unknown) => log.info('incident not told of breach progress (closed?)', { incidentId: state.incidentId, err }));
  }

  const officers = () => (policy.officers.length ? policy.officers : [input.verifiedBy]);
  const isOfficer = (actor: string) => policy.officers.length === 0 || policy.officers.includes(actor);
  const unsent = () => !state.deliveries || state.deliveries.pending > 0 || state.deliveries.rejected > 0;
  const hoursLeft = () => `${Math.round((Date.parse(state.deadline) - nowMs()) / 360_000) / 10} h`;
  const snapshot = (): BreachStateV2 => JSON.parse(JSON.stringify(state)) as BreachStateV2;

  /** Like v1's recorded updates, but `apply` may await an activity (and refuse after it). */
  function change<A extends Actor>(
    definition: UpdateDefinition<BreachStateV2, [A]>,
    validate: (args: A) => void,
    apply: (args: A, at: number) => Promise<{ kind: string; text: string }> | { kind: string; text: string },
  ): void {
    setHandler(
      definition,
      async (args: A) => {
        const { kind, text } = await apply(args, nowMs());
        changes += 1;
        await record(kind, args.actor, text);
        return snapshot();
      },
      {
        validator: (args: A) => {
          if (!args || typeof args.actor !== 'string' || args.actor.trim() === '') reject('an actor is required');
          validate(args);
        },
      },
    );
  }

  const beforeApproval = () => {
    if (state.approvedAt) reject('the notice is approved and sending has started; nothing can be changed now');
  };
  const officerOnly = (actor: string, what: string) => {
    if (!isOfficer(actor)) reject(`only a privacy/security officer may ${what}`);
  };

  change<Actor & { list: CustomerListRef }>(
    msg.setCustomerListUpdate,
    ({ list }) => {
      beforeApproval();
      const whole = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
      if (!list || !whole(list.revision) || !whole(list.customers) || !whole(list.contacts) || typeof list.sha256 !== 'string') {
        reject('at least one affected customer is required');
      }
    },
    ({ list }) => {
      state.customerList = { revision: list.revision, customers: list.customers, contacts: list.contacts, sha256: list.sha256 };
      return { kind: 'breach_customers_set', text: `${list.customers} affected customer(s), ${list.contacts} contact(s)` };
    },
  );

  change<Actor & { notice: { nature: string; impact: string; mitigation: string; contact: string } }>(
    msg.setNoticeUpdateV2,
    ({ notice }) => {
      beforeApproval();
      if (!notice || typeof notice !== 'object') reject('a notice is required');
    },
    ({ notice }) => {
      state.notice = { nature: notice.nature, impact: notice.impact, mitigation: notice.mitigation, contact: notice.contact };
      state.changesRequested = undefined;
      const missing = missingNoticeElements(state.notice);
      return {
        kind: 'breach_notice_drafted',
        text: missing.length ? `Notice drafted; still missing: ${missing.join(', ')}` : 'Notice drafted with all four required elements',
      };
    },
  );

  change<Actor & { comment: string }>(
    msg.requestChangesUpdateV2,
    ({ actor, comment }) => {
      beforeApproval();
      officerOnly(actor, 'request changes to the notice');
      if (typeof comment !== 'string' || comment.trim() === '') reject('say what should change');
    },
    ({ actor, comment }, at) => {
      state.changesRequested = { by: actor, at: iso(at), comment };
      return { kind: 'breach_changes_requested', text: `Changes requested: ${comment}` };
    },
  );

  change<Actor>(
    msg.approveUpdateV2,
    ({ actor }) => {
      beforeApproval();
      officerOnly(actor, 'approve the notice');
      if (!state.notice) reject('there is no notice to approve yet');
      const missing = missingNoticeElements(state.notice ?? {});
      if (missing.length) reject(`the notice cannot be approved: it must state ${missing.join(', ')}`);
      if (!state.customerList) reject('no affected customers are recorded');
    },
    async ({ actor }, at) => {
      state.approvedBy = actor;
      state.approvedAt = iso(at);
      state.status = 'sending';
      const revision = (state.customerList as CustomerListRef).revision;
      await recording; // the breach row exists before its deliveries
      // One transaction creates every pending delivery of the approved list.
      state.deliveries = await openBreachDeliveries({ breachId: state.id, revision });
      return { kind: 'breach_notice_approved', text: `Notice approved; sending to ${state.deliveries.total} contact(s), ${hoursLeft()} before the deadline` };
    },
  );

  change<Actor & { customerId: string; email: string; newEmail: string }>(
    msg.correctContactUpdateV2,
    ({ customerId, email, newEmail }) => {
      if (!state.deliveries || state.deliveries.rejected === 0) reject(`no rejected delivery to ${email} for ${customerId}`);
      if (typeof newEmail !== 'string' || !EMAIL.test(newEmail.trim())) reject(`"${newEmail}" is not an email address`);
    },
    async ({ customerId, email, newEmail }) => {
      const result = await correctBreachContact({ breachId: state.id, customerId, email, newEmail: newEmail.trim().toLowerCase() });
      if (!result.ok) reject(result.reason);
      state.deliveries = result.counts;
      if (state.status === 'sent') state.status = 'sending';
      return { kind: 'breach_contact_corrected', text: `Contact of ${customerId} corrected; sending again` };
    },
  );

  change<Actor & { reference: string }>(
    msg.authorityNotifiedUpdateV2,
    ({ reference }) => {
      if (state.authority.notifiedAt) reject('the supervisory authority notification is already recorded');
      if (typeof reference !== 'string' || reference.trim() === '') reject('the authority’s reference is required');
    },
    ({ actor, reference }, at) => {
      state.authority = { ...state.authority, notifiedAt: iso(at), reference, by: actor };
      const margin = Date.parse(state.authorityDeadline) - at;
      return {
        kind: 'breach_authority_notified',
        text: `Supervisory authority notified (ref ${reference}); ${margin >= 0 ? 'within' : 'AFTER'} the 72-hour deadline`,
      };
    },
  );

  setHandler(msg.breachStateQueryV2, () => snapshot());

  // --- Sending, a page at a time ---------------------------------------------------

  async function sendPending(): Promise<void> {
    let pause = MAIL_RETRY_FIRST_PAUSE_MS;
    let takeOverClaims = false;
    while (!wrappingUp && state.deliveries && state.deliveries.pending > 0) {
      let page: SendBreachNoticePageResult;
      try {
        page = await sendBreachNoticePage({
          breachId: state.id,
          incidentId: state.incidentId,
          notice: state.notice ?? { nature: '', impact: '', mitigation: '', contact: '' },
          verifiedAt: state.verifiedAt,
          deadline: state.deadline,
          notBefore: iso(nowMs()),
          limit: SEND_PAGE,
          concurrency: SEND_CONCURRENCY,
          ...(takeOverClaims ? { takeOverClaims } : {}),
        });
        takeOverClaims = false;
      } catch (err) {
        const cause = (err as ActivityFailure).cause;
        // The page died with its worker: not the mail server's fault; go again at once, taking over its claims.
        if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.HEARTBEAT) {
          takeOverClaims = true;
          await pauseSending(RETRY_AFTER_DEAD_ATTEMPT_MS);
          continue;
        }
        await mailTrouble(String(cause ?? (err as Error).message).slice(0, 300));
        await pauseSending(pause);
        pause = Math.min(pause * 2, MAIL_RETRY_MAX_PAUSE_MS);
        continue;
      }
      state.deliveries = page.counts;
      changes += 1;
      for (const r of page.rejected) {
        const text =
          `${state.incidentId}: the breach notice to ${r.customerName} <${r.email}> was rejected (${r.error}). ` +
          `Correct the address (${r.customerId}); ${hoursLeft()} left before the deadline.`;
        notify('breach_delivery_rejected', [...officers(), 'incident-channel'], text);
        await record('breach_delivery_rejected', 'rampart', text);
      }
      if (page.rejectedCount > page.rejected.length) {
        const text = `${state.incidentId}: ${page.rejectedCount - page.rejected.length} more breach notice(s) were rejected; \`/incident breach status\` lists them.`;
        notify('breach_delivery_rejected', [...officers(), 'incident-channel'], text);
        await record('breach_delivery_rejected', 'rampart', text);
      }
      const progressed = page.sent > 0 || page.rejectedCount > 0;
      if (page.failed > 0 && !progressed) await mailTrouble(page.failure ?? 'unknown error');
      if (!progressed && (page.failed > 0 || page.inProgress > 0)) {
        await pauseSending(pause);
        pause = Math.min(pause * 2, MAIL_RETRY_MAX_PAUSE_MS);
      } else if (progressed) {
        pause = MAIL_RETRY_FIRST_PAUSE_MS;
      }
    }
    if (!unsent() && state.status !== 'sent') {
      state.status = 'sent';
      state.completedAt = iso(nowMs());
      const counts = state.deliveries;
      const margin = Date.parse(state.deadline) - nowMs();
      await tellIncident('delivered');
      await record(
        'breach_notices_sent',
        'rampart',
        `All ${counts?.sent ?? 0} notice(s) delivered; ` +
          (counts?.late ? `${counts.late} after the deadline` : `${Math.round(margin / 60_000)} min before the deadline`),
      );
    }
  }

  async function mailTrouble(error: string): Promise<void> {
    if (nowMs() - state.mailTroubleToldAt < MAIL_TROUBLE_NOTICE_EVERY_MS) return;
    state.mailTroubleToldAt = nowMs();
    const text =
      `${state.incidentId}: the mail server is not accepting breach notices (${error}); ` +
      `Rampart keeps retrying. ${progress()}, ${hoursLeft()} before the deadline.`;
    notify('breach_delivery_failing', [...officers(), 'incident-channel'], text);
    await record('breach_delivery_failing', 'rampart', text);
  }

  // --- Deadlines ----------------------------------------------------------------

  interface Due {
    at: number;
    fire: () => Promise<void>;
  }

  function nextDue(): Due | undefined {
    const due: Due[] = [];
    if (unsent()) {
      const step = policy.ladder[state.ladderSent];
      if (step !== undefined && t0 + step < Date.parse(state.deadline)) due.push({ at: t0 + step, fire: ladderReminder });
      if (!state.missedAt) due.push({ at: Date.parse(state.deadline), fire: deadlineMissed });
      else due.push({ at: Date.parse(state.missedAt) + policy.afterMissRemindEvery * (state.afterMissReminders + 1), fire: afterMiss });
    }
    if (!state.authority.notifiedAt) {
      const step = policy.authority.ladder[state.authority.remindersSent];
      if (step !== undefined) due.push({ at: t0 + step, fire: authorityReminder });
    }
    return due.sort((a, b) => a.at - b.at)[0];
  }

  function progress(): string {
    if (!state.approvedAt) return state.notice ? 'the notice is waiting for approval' : 'no notice has been drafted';
    return `${state.deliveries?.sent ?? 0} of ${state.deliveries?.total ?? 0} notices delivered`;
  }

  async function ladderReminder(): Promise<void> {
    state.ladderSent += 1;
    const text = `${state.incidentId}: breach notices are due by ${state.deadline} (${hoursLeft()} left); ${progress()}.`;
    notify('breach_reminder', [...officers(), 'incident-channel'], text);
    await record('breach_reminder', 'rampart', text);
  }

  async function deadlineMissed(): Promise<void> {
    state.missedAt = iso(nowMs());
    const text = `${state.incidentId}: the 24-hour breach notification deadline (${state.deadline}) has passed; ${progress()}. Escalating to ${policy.executiveTarget}.`;
    notify('breach_deadline_missed', [...officers(), 'incident-channel', policy.executiveTarget], text);
    await record('breach_deadline_missed', 'rampart', text);
    await tellIncident('missed');
  }

  async function afterMiss(): Promise<void> {
    state.afterMissReminders += 1;
    const text = `${state.incidentId}: breach notices are overdue since ${state.deadline}; ${progress()}.`;
    notify('breach_deadline_missed', [...officers(), policy.executiveTarget], text);
    await record('breach_reminder', 'rampart', text);
  }

  async function authorityReminder(): Promise<void> {
    state.authority.remindersSent += 1;
    const left = Math.round((Date.parse(state.authorityDeadline) - nowMs()) / 3_600_000);
    const text = `${state.incidentId}: the supervisory authority must be notified by ${state.authorityDeadline} (GDPR Art. 33, ${left} h left).`;
    notify('authority_reminder', [...officers(), 'incident-channel'], text);
    await record('breach_authority_reminder', 'rampart', text);
  }

  // --- Main loop ------------------------------------------------------------------

  if (!carried) {
    await record('breach_clock_started', input.verifiedBy, `Customer notices due by ${state.deadline}; supervisory authority by ${state.authorityDeadline}`);
  }

  // Sending runs beside the clock: a mail server down for hours must not hold
  // back a reminder, the miss or the authority deadline.
  let sending: Promise<void> | undefined;
  while (unsent() || !state.authority.notifiedAt) {
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= eventLimit) {
      // Everything under way finishes here first: the next run starts from a settled state.
      wrappingUp = true;
      await sending;
      await condition(allHandlersFinished);
      await notifications.drained();
      await recording;
      await continueAsNew<typeof breachNotificationWorkflowV2>(input, policy, options, snapshot());
    }
    if (!sending && state.approvedAt && state.deliveries && state.deliveries.pending > 0) {
      if (!state.toldApproved) {
        state.toldApproved = true;
        await tellIncident('approved');
      }
      sending = sendPending().finally(() => {
        sending = undefined;
        changes += 1;
      });
    }
    const seen = changes;
    const due = nextDue();
    if (!due) {
      await condition(() => changes !== seen);
    } else if (due.at <= nowMs() || !(await condition(() => changes !== seen, due.at - nowMs()))) {
      await due.fire();
    }
  }

  await sending;
  await condition(allHandlersFinished);
  await notifications.drained();
  await recording;
  return snapshot();
}

function reject(message: string): never {
  throw ApplicationFailure.create({ type: INVALID_BREACH_ACTION, message, nonRetryable: true });
}
