// Incident Response Plan, as a workflow.
//
//   declared -> triaged -> mitigated -> resolved -> postmortem -> closed
//
// - An incident must be acknowledged within its severity's window; each missed
//   window escalates one step up the policy's chain until someone acknowledges.
// - While it is open, stakeholders get a status update at the severity's
//   cadence; when one is late the commander is reminded, again at each cadence.
// - Once resolved, the postmortem is due N business days later; the commander
//   is told the day before and chased after the due date until it is done.
// - Severity can change at any time; its rules apply from that moment. Only the
//   commander or the incident-response group may change it, resolve or close.
// - Every change and every reminder is recorded in the timeline and audit log.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import {
  OPEN_STATUSES,
  type HeldTimelineEntry,
  type IncidentState,
  type IncidentStatus,
  type TimelineKind,
} from '../../domain/incident';
import type { NotificationKind } from '../../domain/notification';
import { mayDirectIncident } from '../../domain/permissions';
import type { BreachPolicy, IncidentWorkflowPolicy } from '../../policy/schema';
import { breachNotificationWorkflow, type BreachInput } from '../breach/breach-notification-workflow';
import { breachNotificationWorkflowV2 } from '../breach/breach-notification-workflow-v2';
import { breachWorkflowId } from '../breach/messages';
import { iso, nowMs } from '../clock';
import { BREACH_V2, INCIDENT_HISTORY_BOUNDED, NOTIFICATIONS_OFF_THE_CLOCK } from '../patches';
import { notificationQueue } from '../notification-queue';
import { setRecordedUpdateHandler } from '../recorded-update';
import type { IncidentActivities } from './activities-contract';
import { addBusinessDays } from './business-days';
import * as msg from './messages';

/** Runs started before the policy had the field hand over at this history length. */
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 10_000;

/**
 * Note keys only dedupe a note Slack delivers again (an event retried after a lost
 * acknowledgement, or a message both pinned and marked), which happens within minutes;
 * the last thousand notes span far longer, so older keys need not follow the incident
 * into its next run.
 */
export const NOTE_KEYS_KEPT = 1_000;

/** How much of the signals' waiting entries a run may hand to the next (its input stays well under 2 MB). */
const HELD_ENTRIES_MAX_CHARS = 256 * 1024;

// Records and reminders must get through eventually: keep retrying, gently.
const RETRY_GENTLY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const { publishIncidentEvent, deliverNotification } = proxyActivities<IncidentActivities>({ startToCloseTimeout: '30 seconds', retry: RETRY_GENTLY });
// One database write: an attempt lost with a crashed worker is retried within
// seconds, so the records (and reminders) queued behind it are not held up long.
const { recordIncidentEvent } = proxyActivities<IncidentActivities>({ startToCloseTimeout: '10 seconds', retry: RETRY_GENTLY });
const activities = { recordIncidentEvent, publishIncidentEvent, deliverNotification };

export async function incidentWorkflow(
  input: msg.DeclareIncidentInput,
  policy: IncidentWorkflowPolicy,
  carriedOver?: IncidentState,
): Promise<IncidentState> {
  const state: IncidentState = carriedOver ?? declaredState(input, nowMs());
  const rules = () => policy.severities[state.severity];
  const breachStarts: BreachInput[] = [];
  const open = OPEN_STATUSES;
  let changes = 0; // bumped by every handler so the loop re-plans its timers

  // Records are written one after another so an older snapshot never lands last;
  // each is then published to connected systems, also in order, on a chain of its
  // own so a slow or unreachable Slack never holds up the records.
  let recording: Promise<void> = Promise.resolve();
  let publishing: Promise<void> = Promise.resolve();
  function record(kind: TimelineKind, actor: string, text: string, at = iso(nowMs())): Promise<void> {
    state.eventCount += 1;
    const event = {
      eventId: `${state.id}:${state.eventCount}`,
      incident: snapshotWithoutBookkeeping(state),
      entry: { kind, actor, text, at },
    };
    const write = recording.then(() => activities.recordIncidentEvent(event));
    recording = write.catch((err: unknown) => log.error('recording an incident event failed', { eventId: event.eventId, err }));
    publishing = Promise.all([publishing, recording])
      .then(() => activities.publishIncidentEvent(event))
      .catch((err: unknown) => log.error('publishing an incident event failed', { eventId: event.eventId, err }));
    return write;
  }

  // Notifications go out on their own queue (the timers never wait for Slack) with
  // a key of their own; one Slack cannot take is recorded and sent by email.
  // Runs started before this keep awaiting the delivery, keyed by the next event.
  const notifications = notificationQueue((text) => record('notification_failed', 'rampart', text));
  function notify(kind: NotificationKind, audience: string[], text: string): Promise<void> {
    if (patched(NOTIFICATIONS_OFF_THE_CLOCK)) {
      state.notificationCount = (state.notificationCount ?? 0) + 1;
      const eventId = `${state.id}:n${state.notificationCount}`;
      notifications.send({ eventId, incidentId: state.id, kind, audience, text });
      return Promise.resolve();
    }
    const eventId = `${state.id}:${state.eventCount + 1}:notify`;
    return activities.deliverNotification({ eventId, incidentId: state.id, kind, audience, text });
  }

  // What signals bring (notes, alerts, breach progress) waits in a queue of its own
  // and is recorded one entry at a time, at the time it arrived. A flood of notes
  // then builds up here rather than as work the run must finish: a run handing over
  // to the next stops recording them and hands the queue on (up to
  // HELD_ENTRIES_MAX_CHARS; beyond that it records the excess first).
  const waiting: HeldTimelineEntry[] = state.heldEntries ?? [];
  delete state.heldEntries;
  let waitingChars = waiting.reduce((sum, e) => sum + entryChars(e), 0);
  let handingOver = false;
  let pumping = false;
  function take(kind: TimelineKind, actor: string, text: string): void {
    // Runs started before the patch record at once.
    if (!patched(INCIDENT_HISTORY_BOUNDED)) {
      void record(kind, actor, text);
      return;
    }
    const entry = { kind, actor, text, at: iso(nowMs()) };
    waiting.push(entry);
    waitingChars += entryChars(entry);
    pump();
  }
  function pump(): void {
    if (pumping) return;
    pumping = true;
    void (async () => {
      while (waiting.length > 0 && !(handingOver && waitingChars <= HELD_ENTRIES_MAX_CHARS)) {
        const entry = waiting.shift() as HeldTimelineEntry;
        waitingChars -= entryChars(entry);
        // A failed write is logged by record(); the queue goes on.
        await record(entry.kind, entry.actor, entry.text, entry.at).catch(() => undefined);
      }
      pumping = false;
    })();
  }

  // Declaration is event 1, before any handler can run; a continued run first
  // records what its predecessor handed on, before any signal of its own.
  const declared = carriedOver
    ? (pump(), Promise.resolve())
    : (setSeverity(state.severity), record('declared', state.declaredBy, `Declared ${state.severity}: ${state.title}`));

  /** The commander and the incident-response group; anyone when the policy names no group. */
  function mayDirect(actor: string): boolean {
    return mayDirectIncident(policy.responders, state.roles.commander, actor);
  }

  function change<A extends msg.Actor>(
    definition: UpdateDefinition<IncidentState, [A]>,
    allowedFrom: readonly IncidentStatus[],
    validate: (args: A) => void,
    apply: (args: A, at: number) => { kind: TimelineKind; text: string },
    restricted = false,
  ): void {
    setRecordedUpdateHandler(definition, {
      validate: (args: A) => {
        // Same words as when the finished workflow can no longer be reached.
        if (state.status === 'CLOSED') reject(`incident ${state.id} is closed`);
        if (!allowedFrom.includes(state.status)) {
          reject(`cannot ${definition.name} an incident that is ${state.status.toLowerCase()}`);
        }
        if (restricted && !mayDirect(args.actor)) {
          reject(`only the commander or the incident-response group may ${definition.name} this incident`);
        }
        validate(args);
      },
      apply,
      record,
      snapshot: () => snapshotWithoutBookkeeping(state),
      onChange: () => (changes += 1),
      reject,
    });
  }

  const notClosed: IncidentStatus[] = ['DECLARED', 'TRIAGED', 'MITIGATED', 'RESOLVED', 'POSTMORTEM'];

  function acknowledge(actor: string, at: number): void {
    if (state.acknowledgedAt) return;
    state.acknowledgedAt = iso(at);
    state.acknowledgedBy = actor;
    state.roles.commander ??= actor;
  }

  change<msg.Actor>(
    msg.acknowledgeUpdate,
    open,
    () => {
      if (state.acknowledgedAt) reject(`already acknowledged by ${state.acknowledgedBy ?? 'someone'}`);
    },
    ({ actor }, at) => {
      acknowledge(actor, at);
      return { kind: 'acknowledged', text: `Acknowledged; commander is ${state.roles.commander}` };
    },
  );

  change<msg.Actor & { severity?: msg.DeclareIncidentInput['severity'] }>(
    msg.triageUpdate,
    ['DECLARED'],
    ({ severity }) => {
      if (severity !== undefined && !(severity in policy.severities)) reject(`unknown severity ${severity}`);
    },
    ({ actor, severity }, at) => {
      acknowledge(actor, at);
      if (severity) setSeverity(severity);
      state.status = 'TRIAGED';
      state.triagedAt = iso(at);
      return { kind: 'triaged', text: `Triaged as ${state.severity}` };
    },
    true,
  );

  change<msg.Actor & { severity: msg.DeclareIncidentInput['severity']; reason?: string }>(
    msg.setSeverityUpdate,
    notClosed,
    ({ severity }) => {
      if (!(severity in policy.severities)) reject(`unknown severity ${String(severity)}`);
      if (severity === state.severity) reject(`severity is already ${severity}`);
    },
    ({ severity, reason }) => {
      const from = state.severity;
      setSeverity(severity);
      return { kind: 'severity_changed', text: `Severity ${from} -> ${severity}${reason ? `: ${reason}` : ''}` };
    },
    true,
  );

  change<msg.Actor & { role: string; userId: string }>(
    msg.assignRoleUpdate,
    notClosed,
    ({ role, userId }) => {
      if (!policy.roles.includes(role)) reject(`unknown role "${role}" (roles: ${policy.roles.join(', ')})`);
      if (!userId || userId.trim() === '') reject('a user is required');
    },
    ({ role, userId }) => {
      state.roles[role] = userId;
      return { kind: 'role_assigned', text: `${userId} is ${role}` };
    },
  );

  change<msg.Actor & { text: string }>(
    msg.postStatusUpdate,
    notClosed,
    ({ text }) => requireText(text, 'status update'),
    ({ text }, at) => {
      state.lastStatusUpdateAt = iso(at);
      state.statusReminders = 0;
      if (open.includes(state.status)) state.nextStatusUpdateDue = iso(at + rules().statusUpdateEvery);
      return { kind: 'status_update', text };
    },
  );

  change<msg.Actor & { note?: string }>(
    msg.mitigateUpdate,
    ['DECLARED', 'TRIAGED'],
    () => undefined,
    ({ actor, note }, at) => {
      acknowledge(actor, at);
      state.status = 'MITIGATED';
      state.mitigatedAt = iso(at);
      return { kind: 'mitigated', text: note ? `Mitigated: ${note}` : 'Mitigated' };
    },
  );

  change<msg.Actor & { note?: string }>(
    msg.resolveUpdate,
    open,
    () => undefined,
    ({ actor, note }, at) => {
      acknowledge(actor, at);
      state.status = 'RESOLVED';
      state.resolvedAt = iso(at);
      const due = addBusinessDays(at, policy.postmortem.dueAfterBusinessDays, policy.postmortem.holidays, policy.postmortem.timeZone ?? 'UTC');
      state.postmortemDueAt = iso(due);
      return {
        kind: 'resolved',
        text: `${note ? `Resolved: ${note}` : 'Resolved'}; postmortem due ${state.postmortemDueAt}`,
      };
    },
    true,
  );

  change<msg.Actor>(
    msg.startPostmortemUpdate,
    ['RESOLVED'],
    () => undefined,
    (_args, at) => {
      state.status = 'POSTMORTEM';
      state.postmortemAt = iso(at);
      return { kind: 'postmortem_started', text: 'Postmortem started' };
    },
  );

  change<msg.Actor & { document: string }>(
    msg.completePostmortemUpdate,
    ['RESOLVED', 'POSTMORTEM'],
    ({ document }) => {
      requireText(document, 'postmortem document', 100_000);
      if (state.postmortemCompletedAt) reject('the postmortem is already complete');
    },
    ({ document }, at) => {
      if (state.status === 'RESOLVED') {
        state.status = 'POSTMORTEM';
        state.postmortemAt = iso(at);
      }
      state.postmortemCompletedAt = iso(at);
      state.postmortemDocument = document;
      return { kind: 'postmortem_completed', text: 'Postmortem completed' };
    },
  );

  change<msg.Actor & { title: string; owner?: string }>(
    msg.addActionUpdate,
    ['RESOLVED', 'POSTMORTEM'],
    ({ title }) => requireText(title, 'action title', 500),
    ({ title, owner }, at) => {
      const id = `A${state.actions.length + 1}`;
      state.actions.push({ id, title, owner, createdAt: iso(at) });
      return { kind: 'action_added', text: `Follow-up ${id}: ${title}${owner ? ` (owner ${owner})` : ''}` };
    },
  );

  change<msg.Actor & { actionId: string }>(
    msg.completeActionUpdate,
    ['RESOLVED', 'POSTMORTEM'],
    ({ actionId }) => {
      const action = state.actions.find((a) => a.id === actionId);
      if (!action) reject(`no follow-up action ${actionId}`);
      if (action?.doneAt) reject(`follow-up action ${actionId} is already done`);
    },
    ({ actionId }, at) => {
      const action = state.actions.find((a) => a.id === actionId);
      if (action) action.doneAt = iso(at);
      return { kind: 'action_done', text: `Follow-up ${actionId} done` };
    },
  );

  change<msg.Actor>(
    msg.closeUpdate,
    ['POSTMORTEM', 'RESOLVED'],
    () => {
      if (!state.postmortemCompletedAt) reject('the postmortem must be completed before the incident is closed');
    },
    (_args, at) => {
      state.status = 'CLOSED';
      state.closedAt = iso(at);
      const openActions = state.actions.filter((a) => !a.doneAt).length;
      return { kind: 'closed', text: `Closed${openActions ? ` with ${openActions} follow-up action(s) still open` : ''}` };
    },
    true,
  );

  const noteKeys = new Set<string>(state.noteKeys ?? []);
  change<msg.Actor>(
    msg.suspectBreachUpdate,
    notClosed,
    () => {
      if (state.breach) reject('a breach is already suspected');
    },
    ({ actor }, at) => {
      state.breach = { suspectedAt: iso(at), suspectedBy: actor };
      state.personalData = true;
      return { kind: 'breach_suspected', text: 'Personal-data breach suspected; a privacy/security officer must verify it' };
    },
  );

  change<msg.Actor>(
    msg.verifyBreachUpdate,
    notClosed,
    ({ actor }) => {
      if (!policy.breach) reject('this incident was declared without a breach policy');
      if (state.breach?.verifiedAt) reject(`the breach was already verified at ${state.breach.verifiedAt}`);
      const officers = policy.breach?.officers ?? [];
      if (officers.length > 0 && !officers.includes(actor)) reject('only a privacy/security officer may verify a breach');
    },
    ({ actor }, at) => {
      const workflowId = breachWorkflowId(state.id);
      const notifyBy = iso(at + (policy.breach?.customerNoticeWithin ?? 0));
      state.breach = { ...state.breach, verifiedAt: iso(at), verifiedBy: actor, workflowId, notifyBy };
      state.personalData = true;
      breachStarts.push({ incidentId: state.id, incidentTitle: state.title, verifiedAt: iso(at), verifiedBy: actor });
      return { kind: 'breach_verified', text: `Personal-data breach verified: customers must be notified within 24 h (${workflowId})` };
    },
  );

  setHandler(msg.addNoteSignal, ({ actor, text, key }) => {
    if (state.status === 'CLOSED' || typeof text !== 'string' || text.trim() === '') return;
    if (key) {
      if (noteKeys.has(key)) return;
      noteKeys.add(key);
      // A Set iterates in insertion order: the first key is the oldest.
      if (noteKeys.size > NOTE_KEYS_KEPT && patched(INCIDENT_HISTORY_BOUNDED)) {
        noteKeys.delete(noteKeys.values().next().value as string);
      }
      state.noteKeys = [...noteKeys];
    }
    take('note', actor || 'unknown', text.slice(0, 3000));
  });

  setHandler(msg.alertSignal, ({ status, summary }) => {
    if (state.status === 'CLOSED') return;
    const kind = status === 'resolved' ? 'alert_resolved' : 'alert_repeated';
    take(kind, 'alertmanager', summary.slice(0, 3000));
  });

  setHandler(msg.breachProgressSignal, (progress) => {
    if (!state.breach?.verifiedAt) return;
    state.breach = { ...state.breach, progress };
    const text =
      progress.stage === 'delivered'
        ? `Breach notices: all ${progress.total} delivered`
        : progress.stage === 'missed'
          ? `Breach notices: the deadline passed ${progress.total ? `with ${progress.delivered} of ${progress.total} delivered` : 'before the notice was approved'}`
          : `Breach notice approved; sending to ${progress.total} contact(s)`;
    take('breach_progress', 'rampart', text);
  });

  setHandler(msg.stateQuery, () => structuredCloneState(state));
  setHandler(msg.declarationUpdate, async () => {
    await declared;
    return structuredCloneState(state);
  });

  // A new severity's windows count from the start (or the last update) but
  // never push an existing deadline later than the new rule allows.
  function setSeverity(severity: IncidentState['severity']): void {
    state.severity = severity;
    const { acknowledgeWithin, statusUpdateEvery } = rules();
    if (!state.acknowledgedAt) {
      const byNewRule =
        state.escalations === 0 ? Date.parse(state.declaredAt) + acknowledgeWithin : nowMs() + acknowledgeWithin;
      state.acknowledgeBy = iso(Math.min(byNewRule, Date.parse(state.acknowledgeBy ?? iso(byNewRule))));
    }
    if (open.includes(state.status)) {
      const byNewRule = Date.parse(state.lastStatusUpdateAt ?? state.declaredAt) + statusUpdateEvery;
      state.nextStatusUpdateDue = iso(Math.min(byNewRule, Date.parse(state.nextStatusUpdateDue ?? iso(byNewRule))));
    }
  }

  // --- Timers: one plan, recomputed after every change. ---------------------

  interface Due {
    at: number;
    fire: () => Promise<void>;
  }

  function nextDue(): Due | undefined {
    const candidates: Due[] = [];
    if (open.includes(state.status)) {
      if (!state.acknowledgedAt && state.acknowledgeBy) {
        candidates.push({ at: Date.parse(state.acknowledgeBy), fire: escalateAcknowledgement });
      }
      if (state.nextStatusUpdateDue) {
        candidates.push({ at: Date.parse(state.nextStatusUpdateDue), fire: remindStatusUpdate });
      }
    } else if (state.postmortemDueAt && !state.postmortemCompletedAt && state.status !== 'CLOSED') {
      candidates.push({ at: postmortemReminderAt(), fire: remindPostmortem });
    }
    return candidates.sort((a, b) => a.at - b.at)[0];
  }

  /** The next occurrence of a repeating deadline; a missed stretch fires once, not once per interval. */
  function following(previous: string, every: number): string {
    const next = Date.parse(previous) + every;
    return iso(next > nowMs() ? next : nowMs() + every);
  }

  async function escalateAcknowledgement(): Promise<void> {
    const chain = policy.escalation.chain;
    const target = chain[Math.min(state.escalations, chain.length - 1)] ?? 'on-call';
    state.escalations += 1;
    state.acknowledgeBy = following(state.acknowledgeBy ?? iso(nowMs()), rules().acknowledgeWithin);
    const text =
      `${state.id} (${state.severity}) "${state.title}" has not been acknowledged ` +
      `${minutes(nowMs() - Date.parse(state.declaredAt))} after it was declared; escalating to ${target}.`;
    await notify('ack_escalation', ['incident-channel', target], text);
    await record('ack_escalated', 'rampart', text);
  }

  async function remindStatusUpdate(): Promise<void> {
    state.statusReminders += 1;
    state.nextStatusUpdateDue = following(state.nextStatusUpdateDue ?? iso(nowMs()), rules().statusUpdateEvery);
    const since = state.lastStatusUpdateAt ? 'the last status update' : 'the incident was declared';
    const text =
      `${state.id} (${state.severity}): a status update is due; ` +
      `${minutes(nowMs() - Date.parse(state.lastStatusUpdateAt ?? state.declaredAt))} since ${since}.`;
    await notify('status_reminder', ['incident-channel', commanderOrOnCall()], text);
    await record('status_reminder', 'rampart', text);
  }

  function postmortemReminderAt(): number {
    const due = Date.parse(state.postmortemDueAt ?? '');
    const { remindBeforeDue, overdueRemindEvery } = policy.postmortem;
    const dueSoonAt = due - remindBeforeDue;
    if (state.postmortemReminders === 0 && dueSoonAt > Date.parse(state.resolvedAt ?? '')) return dueSoonAt;
    const overdueSent = Math.max(0, state.postmortemReminders - 1);
    return due + overdueRemindEvery * overdueSent;
  }

  async function remindPostmortem(): Promise<void> {
    const due = Date.parse(state.postmortemDueAt ?? '');
    const now = nowMs();
    if (state.postmortemReminders === 0 && now < due) {
      state.postmortemReminders = 1;
      const text = `${state.id}: the postmortem is due ${state.postmortemDueAt} (in ${minutes(due - now)}).`;
      await notify('postmortem_reminder', ['incident-channel', commanderOrOnCall()], text);
      await record('postmortem_reminder', 'rampart', text);
      return;
    }
    // Skipping the "due soon" notice when resolution came too late for it.
    state.postmortemReminders = Math.max(1, state.postmortemReminders) + 1;
    const text = `${state.id}: the postmortem is overdue by ${minutes(now - due)} (was due ${state.postmortemDueAt}).`;
    await notify('postmortem_reminder', ['incident-channel', commanderOrOnCall(), policy.escalation.chain[0] ?? 'on-call'], text);
    await record('postmortem_reminder', 'rampart', text);
  }

  function commanderOrOnCall(): string {
    return state.roles.commander ?? policy.escalation.chain[0] ?? 'on-call';
  }

  // --- Continue-as-new ------------------------------------------------------

  const continueAsNewAfterEvents = policy.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
  /** Time to hand over to a new run: the server suggests it or history passed the policy's threshold. */
  function historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= continueAsNewAfterEvents;
  }

  /**
   * True once nothing is in flight: no handler running, every queued notification
   * out (or recorded as failed), every record written and published. Work started
   * meanwhile (an update, a timer's record) is waited for too; what arrives after
   * reaches the next run (the server refuses to close a run with unseen events).
   * False when a change or the next timer comes first (Slack may be down for an
   * hour): the loop re-plans or fires it, then tries again.
   */
  async function settle(nextTimerAt: number | undefined): Promise<boolean> {
    const seen = changes;
    for (;;) {
      const queued = notifications.drained();
      const records = recording;
      const publishes = publishing;
      let flushed = false;
      void Promise.all([queued, records, publishes]).then(() => (flushed = true));
      const settledOrChanged = () => (flushed && allHandlersFinished() && !pumping) || changes !== seen;
      if (nextTimerAt === undefined) {
        await condition(settledOrChanged);
      } else if (nextTimerAt <= nowMs() || !(await condition(settledOrChanged, nextTimerAt - nowMs()))) {
        return false;
      }
      if (changes !== seen) return false;
      if (queued === notifications.drained() && records === recording && publishes === publishing) return true;
    }
  }

  /** The state the next run starts from, with the entries still waiting. */
  function handedOverState(): IncidentState {
    const next = structuredCloneState(state);
    if (waiting.length > 0) next.heldEntries = [...waiting];
    return next;
  }

  // --- Main loop ------------------------------------------------------------

  await declared;

  while (state.status !== 'CLOSED') {
    // A verified breach runs as a child with its own clock; it outlives the incident.
    // One breach id, one breach clock, ever: a breach of this id that exists already
    // (running, or finished) is never started a second time; the incident says so
    // and goes on rather than failing.
    for (const breach of breachStarts.splice(0)) {
      const options = { workflowId: breachWorkflowId(breach.incidentId), parentClosePolicy: 'ABANDON', workflowIdReusePolicy: 'REJECT_DUPLICATE' } as const;
      try {
        if (patched(BREACH_V2)) await startChild(breachNotificationWorkflowV2, { ...options, args: [breach, policy.breach as BreachPolicy, {}] });
        else await startChild(breachNotificationWorkflow, { ...options, args: [breach, policy.breach as BreachPolicy] });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        take('breach_progress', 'rampart', `Breach ${options.workflowId} exists already; its clock goes on as it is (no second breach was started)`);
      }
    }
    // Runs started before the patch hand over only when the server suggests it,
    // checked once per turn, and may leave a late signal's record behind.
    const bounded = patched(INCIDENT_HISTORY_BOUNDED);
    if (bounded && historyFull()) {
      handingOver = true;
      if (await settle(nextDue()?.at)) {
        // A breach to start is started before handing over (settle gives way to any
        // change, so a verification while settling goes round the loop anyway).
        if (breachStarts.length > 0) continue;
        await continueAsNew<typeof incidentWorkflow>(input, policy, handedOverState());
      }
    } else if (!bounded && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await notifications.drained();
      await recording;
      await publishing;
      await continueAsNew<typeof incidentWorkflow>(input, policy, state);
    }
    // Signals (notes, alerts) do not re-plan the timers, so they do not bump
    // `changes` (that would cancel and restart the pending timer for each one);
    // the wait ends instead as soon as the history they add is due to hand over.
    const seen = changes;
    const wake = bounded ? () => changes !== seen || historyFull() : () => changes !== seen;
    const due = nextDue();
    if (!due) {
      await condition(wake);
    } else if (due.at <= nowMs() || !(await condition(wake, due.at - nowMs()))) {
      await due.fire();
    }
  }

  // Closed while handing over: what waits is recorded here, not lost.
  handingOver = false;
  if (waiting.length > 0) pump();
  await condition(() => allHandlersFinished() && !pumping);
  await notifications.drained();
  await recording;
  await publishing;
  return structuredCloneState(state);
}

function declaredState(input: msg.DeclareIncidentInput, at: number): IncidentState {
  return {
    id: input.id,
    title: input.title,
    summary: input.summary ?? '',
    severity: input.severity,
    status: 'DECLARED',
    personalData: input.personalData ?? false,
    declaredBy: input.declaredBy,
    source: input.source ?? 'manual',
    dedupKey: input.dedupKey,
    roles: {},
    declaredAt: iso(at),
    escalations: 0,
    statusReminders: 0,
    postmortemReminders: 0,
    actions: [],
    eventCount: 0,
  };
}

function entryChars(entry: HeldTimelineEntry): number {
  return entry.kind.length + entry.actor.length + entry.text.length + entry.at.length + 40;
}

function reject(message: string): never {
  throw ApplicationFailure.create({ type: msg.INVALID_ACTION, message, nonRetryable: true });
}

function requireText(text: unknown, what: string, max = 3000): void {
  if (typeof text !== 'string' || text.trim() === '') reject(`the ${what} is empty`);
  if ((text as string).length > max) reject(`the ${what} is longer than ${max} characters`);
}

function minutes(ms: number): string {
  const total = Math.max(0, Math.round(ms / 60_000));
  if (total < 120) return `${total} min`;
  const hours = Math.floor(total / 60);
  if (hours < 48) return `${hours} h ${total % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function structuredCloneState(state: IncidentState): IncidentState {
  return JSON.parse(JSON.stringify(state)) as IncidentState;
}

/**
 * What records and update answers carry: the state without the run's own
 * bookkeeping (up to 1,000 note keys, notes waiting to be recorded), which
 * nobody outside needs and which would add tens of KB to every event.
 */
function snapshotWithoutBookkeeping(state: IncidentState): IncidentState {
  const { noteKeys: _keys, heldEntries: _held, ...rest } = state;
  return structuredCloneState(rest);
}
