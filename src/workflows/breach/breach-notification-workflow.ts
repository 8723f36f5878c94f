// Customer breach notification (seed 001 §9), as a workflow.
//
// - T0 is the moment a privacy/security officer verified the breach. Every
//   affected customer must have the notice within 24 hours of T0.
// - The notice states the nature of the breach, its likely impact, the
//   mitigation taken or planned and a point of contact; one missing any of
//   them cannot be approved. Nothing is sent without an officer's approval.
// - While notices are unsent, the officers and the incident channel are
//   reminded at the ladder's hours; if the deadline passes, the miss is
//   recorded, the executive is told at once and every hour until all is sent.
// - Each contact gets one email; a rejected address goes back to the officer
//   for correction and is sent again. Every delivery is recorded with its time.
// - Beside it runs the GDPR Art. 33 clock: the supervisory authority within
//   72 hours, with its own reminders, until someone records the notification.
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import { TimeoutType, type UpdateDefinition } from '@temporalio/common';
import { missingNoticeElements } from '../../breach/notice-elements';
import { DELIVERY_IN_PROGRESS, type AffectedCustomer, type NoticeDelivery } from '../../domain/breach';
import type { BreachProgress } from '../../domain/incident';
import type { NotificationKind } from '../../domain/notification';
import type { BreachPolicy } from '../../policy/schema';
import { iso, nowMs } from '../clock';
import { notificationQueue } from '../notification-queue';
import {
  BREACH_CRASH_IS_NOT_MAIL_TROUBLE,
  BREACH_PROGRESS_TO_INCIDENT,
  BREACH_SEND_WINDOW,
  BREACH_TIMERS_BESIDE_SENDING,
  NOTIFICATIONS_OFF_THE_CLOCK,
} from '../patches';
import { setRecordedUpdateHandler } from '../recorded-update';
import type { BreachActivities } from './activities-contract';
import { breachProgressSignal } from '../incident/messages';
import * as msg from './messages';
import type { BreachState } from './state';

const { recordBreachEvent, deliverNotification } = proxyActivities<BreachActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Failed sends are retried by the workflow itself (backing off from 30 s to
// 5 min), so it can tell the officers, at most hourly, while the trouble lasts.
const { sendBreachNotice } = proxyActivities<BreachActivities>({
  startToCloseTimeout: '30 seconds',
  // The send heartbeats every 2 s: a worker that died mid-send is known within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});
/** After an attempt died with its worker: try again at once, taking over its claim. */
const RETRY_AFTER_DEAD_ATTEMPT_MS = 1_000;
const MAIL_RETRY_FIRST_PAUSE_MS = 30_000;
const MAIL_RETRY_MAX_PAUSE_MS = 300_000;
const MAIL_TROUBLE_NOTICE_EVERY_MS = 3_600_000;

const SEND_CONCURRENCY = 20;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export interface BreachInput {
  incidentId: string;
  incidentTitle: string;
  verifiedAt: string;
  verifiedBy: string;
}

export async function breachNotificationWorkflow(input: BreachInput, policy: BreachPolicy): Promise<BreachState> {
  const t0 = Date.parse(input.verifiedAt);
  const state: BreachState = {
    id: msg.breachWorkflowId(input.incidentId),
    incidentId: input.incidentId,
    incidentTitle: input.incidentTitle,
    verifiedAt: input.verifiedAt,
    verifiedBy: input.verifiedBy,
    deadline: iso(t0 + policy.customerNoticeWithin),
    authorityDeadline: iso(t0 + policy.authority.notifyWithin),
    status: 'awaiting_approval',
    customers: [],
    deliveries: [],
    ladderSent: 0,
    afterMissReminders: 0,
    authority: { remindersSent: 0 },
    eventCount: 0,
  };
  let changes = 0;

  let recording: Promise<void> = Promise.resolve();
  function record(kind: string, actor: string, text: string): Promise<void> {
    state.eventCount += 1;
    const event = { eventId: `${state.id}:${state.eventCount}`, breach: clone(state), entry: { kind, actor, text, at: iso(nowMs()) } };
    const write = recording.then(() => recordBreachEvent(event));
    recording = write.catch((err: unknown) => log.error('recording a breach event failed', { eventId: event.eventId, err }));
    return write;
  }

  // As in the incident: notifications on their own queue, never fatal; runs
  // started before this keep awaiting them.
  const notifications = notificationQueue((text) => record('notification_failed', 'rampart', text));
  function notify(kind: NotificationKind, audience: string[], text: string): Promise<void> {
    if (patched(NOTIFICATIONS_OFF_THE_CLOCK)) {
      state.notificationCount = (state.notificationCount ?? 0) + 1;
      const eventId = `${state.id}:n${state.notificationCount}`;
      notifications.send({ eventId, incidentId: state.incidentId, kind, audience, text });
      return Promise.resolve();
    }
    const eventId = `${state.id}:${state.eventCount + 1}:notify`;
    return deliverNotification({ eventId, incidentId: state.incidentId, kind, audience, text });
  }

  /** The incident's pinned summary shows where the notices stand; a closed incident is not told. */
  async function tellIncident(stage: BreachProgress['stage']): Promise<void> {
    if (!patched(BREACH_PROGRESS_TO_INCIDENT)) return; // runs started before this existed
    const progress: BreachProgress = {
      stage,
      delivered: state.deliveries.filter((d) => d.status === 'sent').length,
      total: state.deliveries.filter((d) => d.status !== 'replaced').length,
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
  const unsent = () => state.deliveries.length === 0 || state.deliveries.some((d) => d.status === 'pending' || d.status === 'rejected');
  const hoursLeft = () => `${Math.round((Date.parse(state.deadline) - nowMs()) / 360_000) / 10} h`;

  function change<A extends msg.Actor>(
    definition: UpdateDefinition<BreachState, [A]>,
    validate: (args: A) => void,
    apply: (args: A, at: number) => { kind: string; text: string },
  ): void {
    setRecordedUpdateHandler(definition, {
      validate,
      apply,
      record,
      snapshot: () => clone(state),
      onChange: () => (changes += 1),
      reject,
    });
  }

  const beforeApproval = () => {
    if (state.approvedAt) reject('the notice is approved and sending has started; nothing can be changed now');
  };
  const officerOnly = (actor: string, what: string) => {
    if (!isOfficer(actor)) reject(`only a privacy/security officer may ${what}`);
  };

  change<msg.Actor & { customers: msg.CustomerInput[] }>(
    msg.setCustomersUpdate,
    ({ customers }) => {
      beforeApproval();
      validateCustomers(customers);
    },
    ({ customers }) => {
      state.customers = customers.map((c, i) => ({
        id: `C${i + 1}`,
        name: c.name.trim(),
        contacts: c.contacts.map((e) => e.trim().toLowerCase()),
        dataAffected: c.dataAffected.trim(),
      }));
      const contacts = state.customers.reduce((n, c) => n + c.contacts.length, 0);
      return { kind: 'breach_customers_set', text: `${state.customers.length} affected customer(s), ${contacts} contact(s)` };
    },
  );

  change<msg.Actor & { notice: { nature: string; impact: string; mitigation: string; contact: string } }>(
    msg.setNoticeUpdate,
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

  change<msg.Actor & { comment: string }>(
    msg.requestChangesUpdate,
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

  change<msg.Actor>(
    msg.approveUpdate,
    ({ actor }) => {
      beforeApproval();
      officerOnly(actor, 'approve the notice');
      if (!state.notice) reject('there is no notice to approve yet');
      const missing = missingNoticeElements(state.notice ?? {});
      if (missing.length) reject(`the notice cannot be approved: it must state ${missing.join(', ')}`);
      if (state.customers.length === 0) reject('no affected customers are recorded');
    },
    ({ actor }, at) => {
      state.approvedBy = actor;
      state.approvedAt = iso(at);
      state.status = 'sending';
      state.deliveries = state.customers.flatMap((c) =>
        c.contacts.map((email): NoticeDelivery => ({ key: `${state.id}:${c.id}:${email}`, customerId: c.id, email, status: 'pending' })),
      );
      return { kind: 'breach_notice_approved', text: `Notice approved; sending to ${state.deliveries.length} contact(s), ${hoursLeft()} before the deadline` };
    },
  );

  change<msg.Actor & { customerId: string; email: string; newEmail: string }>(
    msg.correctContactUpdate,
    ({ customerId, email, newEmail }) => {
      const rejected = state.deliveries.find((d) => d.customerId === customerId && d.email === email && d.status === 'rejected');
      if (!rejected) reject(`no rejected delivery to ${email} for ${customerId}`);
      if (typeof newEmail !== 'string' || !EMAIL.test(newEmail.trim())) reject(`"${newEmail}" is not an email address`);
      if (state.deliveries.some((d) => d.customerId === customerId && d.email === newEmail.trim().toLowerCase())) {
        reject(`${newEmail} is already a contact of ${customerId}`);
      }
    },
    ({ customerId, email, newEmail }) => {
      const fixed = newEmail.trim().toLowerCase();
      for (const d of state.deliveries) {
        if (d.customerId === customerId && d.email === email && d.status === 'rejected') d.status = 'replaced';
      }
      state.deliveries.push({ key: `${state.id}:${customerId}:${fixed}`, customerId, email: fixed, status: 'pending' });
      const customer = state.customers.find((c) => c.id === customerId);
      if (customer) customer.contacts = customer.contacts.map((e) => (e === email ? fixed : e));
      if (state.status === 'sent') state.status = 'sending';
      return { kind: 'breach_contact_corrected', text: `Contact of ${customerId} corrected; sending again` };
    },
  );

  change<msg.Actor & { reference: string }>(
    msg.authorityNotifiedUpdate,
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

  setHandler(msg.breachStateQuery, () => clone(state));

  // --- Sending ----------------------------------------------------------------

  async function sendPending(): Promise<void> {
    const pending = state.deliveries.filter((d) => d.status === 'pending');
    if (patched(BREACH_SEND_WINDOW)) {
      // A window of SEND_CONCURRENCY sends: each one done makes room for the next,
      // so one slow or retried contact holds back nobody else.
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let d = pending[next++]; d !== undefined; d = pending[next++]) await sendOne(d);
      };
      await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, pending.length) }, lane));
    } else {
      for (let i = 0; i < pending.length; i += SEND_CONCURRENCY) {
        await Promise.all(pending.slice(i, i + SEND_CONCURRENCY).map(sendOne));
      }
    }
    if (!unsent() && state.status !== 'sent') {
      state.status = 'sent';
      state.completedAt = iso(nowMs());
      const late = state.deliveries.filter((d) => d.late).length;
      const margin = Date.parse(state.deadline) - nowMs();
      await tellIncident('delivered');
      await record(
        'breach_notices_sent',
        'rampart',
        `All ${state.deliveries.filter((d) => d.status === 'sent').length} notice(s) delivered; ` +
          (late ? `${late} after the deadline` : `${Math.round(margin / 60_000)} min before the deadline`),
      );
    }
  }

  let mailTroubleToldAt = 0;
  async function sendOne(delivery: NoticeDelivery): Promise<void> {
    const customer = state.customers.find((c) => c.id === delivery.customerId) as AffectedCustomer;
    let result: Awaited<ReturnType<typeof sendBreachNotice>>;
    let takeOverClaim = false;
    for (let pause = MAIL_RETRY_FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MAIL_RETRY_MAX_PAUSE_MS)) {
      try {
        result = await sendBreachNotice({
          key: delivery.key,
          breachId: state.id,
          incidentId: state.incidentId,
          customer,
          email: delivery.email,
          notice: state.notice ?? { nature: '', impact: '', mitigation: '', contact: '' },
          verifiedAt: state.verifiedAt,
          ...(takeOverClaim ? { takeOverClaim } : {}),
        });
        break;
      } catch (err) {
        const cause = (err as ActivityFailure).cause;
        // An earlier attempt still holds this delivery (it may yet succeed): wait, say nothing.
        if (cause instanceof ApplicationFailure && cause.type === DELIVERY_IN_PROGRESS) {
          await sleep(pause);
          continue;
        }
        // The attempt died with its worker (its heartbeat stopped): not the mail
        // server's fault, nobody to alarm; go again at once, taking over its claim.
        if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.HEARTBEAT && patched(BREACH_CRASH_IS_NOT_MAIL_TROUBLE)) {
          takeOverClaim = true;
          await sleep(RETRY_AFTER_DEAD_ATTEMPT_MS);
          continue;
        }
        delivery.error = String(cause ?? (err as Error).message).slice(0, 300);
        if (nowMs() - mailTroubleToldAt >= MAIL_TROUBLE_NOTICE_EVERY_MS) {
          mailTroubleToldAt = nowMs();
          const text =
            `${state.incidentId}: the mail server is not accepting breach notices (${delivery.error}); ` +
            `Rampart keeps retrying. ${progress()}, ${hoursLeft()} before the deadline.`;
          await notify('breach_delivery_failing', [...officers(), 'incident-channel'], text);
          await record('breach_delivery_failing', 'rampart', text);
        }
        await sleep(pause);
      }
    }
    if (result.status === 'sent') {
      Object.assign(delivery, {
        status: 'sent',
        messageId: result.messageId,
        smtpResponse: result.smtpResponse,
        sentAt: result.sentAt,
        // Judged when the result arrives (never earlier than the send): a miss is never hidden.
        late: Math.max(nowMs(), Date.parse(result.sentAt)) > Date.parse(state.deadline),
        error: undefined,
      });
      return;
    }
    Object.assign(delivery, { status: 'rejected', error: result.error });
    const text =
      `${state.incidentId}: the breach notice to ${customer.name} <${delivery.email}> was rejected (${result.error}). ` +
      `Correct the address (${customer.id}); ${hoursLeft()} left before the deadline.`;
    await notify('breach_delivery_rejected', [...officers(), 'incident-channel'], text);
    await record('breach_delivery_rejected', 'rampart', text);
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
    const sent = state.deliveries.filter((d) => d.status === 'sent').length;
    return `${sent} of ${state.deliveries.length} notices delivered`;
  }

  async function ladderReminder(): Promise<void> {
    state.ladderSent += 1;
    const text = `${state.incidentId}: breach notices are due by ${state.deadline} (${hoursLeft()} left); ${progress()}.`;
    await notify('breach_reminder', [...officers(), 'incident-channel'], text);
    await record('breach_reminder', 'rampart', text);
  }

  async function deadlineMissed(): Promise<void> {
    state.missedAt = iso(nowMs());
    const text = `${state.incidentId}: the 24-hour breach notification deadline (${state.deadline}) has passed; ${progress()}. Escalating to ${policy.executiveTarget}.`;
    await notify('breach_deadline_missed', [...officers(), 'incident-channel', policy.executiveTarget], text);
    await record('breach_deadline_missed', 'rampart', text);
    await tellIncident('missed');
  }

  async function afterMiss(): Promise<void> {
    state.afterMissReminders += 1;
    const text = `${state.incidentId}: breach notices are overdue since ${state.deadline}; ${progress()}.`;
    await notify('breach_deadline_missed', [...officers(), policy.executiveTarget], text);
    await record('breach_reminder', 'rampart', text);
  }

  async function authorityReminder(): Promise<void> {
    state.authority.remindersSent += 1;
    const left = Math.round((Date.parse(state.authorityDeadline) - nowMs()) / 3_600_000);
    const text = `${state.incidentId}: the supervisory authority must be notified by ${state.authorityDeadline} (GDPR Art. 33, ${left} h left).`;
    await notify('authority_reminder', [...officers(), 'incident-channel'], text);
    await record('breach_authority_reminder', 'rampart', text);
  }

  // --- Main loop ------------------------------------------------------------------

  await record('breach_clock_started', input.verifiedBy, `Customer notices due by ${state.deadline}; supervisory authority by ${state.authorityDeadline}`);

  let toldApproved = false;
  // Sending runs beside the clock: a mail server down for hours must not hold
  // back a reminder, the miss or the authority deadline. (Runs started before
  // this send first and look at the clock after.)
  let sending: Promise<void> | undefined;
  while (unsent() || !state.authority.notifiedAt) {
    if (!sending && state.approvedAt && state.deliveries.some((d) => d.status === 'pending')) {
      if (!toldApproved) {
        toldApproved = true;
        await tellIncident('approved');
      }
      if (patched(BREACH_TIMERS_BESIDE_SENDING)) {
        sending = sendPending().finally(() => {
          sending = undefined;
          changes += 1;
        });
      } else {
        await sendPending();
        continue;
      }
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
  return clone(state);

  function validateCustomers(customers: msg.CustomerInput[]): void {
    if (!Array.isArray(customers) || customers.length === 0) reject('at least one affected customer is required');
    const seen = new Set<string>();
    customers.forEach((c, i) => {
      const where = `customer ${i + 1}`;
      if (!c || typeof c.name !== 'string' || c.name.trim() === '') reject(`${where} has no name`);
      if (typeof c.dataAffected !== 'string' || c.dataAffected.trim() === '') reject(`${where} (${c.name}) does not say what data was affected`);
      if (!Array.isArray(c.contacts) || c.contacts.length === 0) reject(`${where} (${c.name}) has no contact email`);
      for (const raw of c.contacts) {
        const email = String(raw).trim().toLowerCase();
        if (!EMAIL.test(email)) reject(`"${raw}" (${c.name}) is not an email address`);
        if (seen.has(email)) reject(`${email} is listed twice`);
        seen.add(email);
      }
    });
  }
}

function reject(message: string): never {
  throw ApplicationFailure.create({ type: msg.INVALID_BREACH_ACTION, message, nonRetryable: true });
}

function clone(state: BreachState): BreachState {
  return JSON.parse(JSON.stringify(state)) as BreachState;
}
