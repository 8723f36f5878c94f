// Reads the outcome of a chaos run from the mailbox and the database and puts
// it into the one JSON line the run prints.
import type { Db } from '../../src/db/client';
import { OPEN_STATUSES, type IncidentStatus, type Severity } from '../../src/domain/incident';
import type { Policy } from '../../src/policy/schema';
import type { ReceivedMessage } from '../../test/support/smtp';
import { lateReminders, mailboxFigures } from './figures';
import type { CommandRecord } from './incident-commands';
import { duplicatesByCause, extraCopies, mostDuplicatesFromOneKill, type ChaosEvent } from './mailbox-clock';

/** A reminder recorded later than this after it was due counts late (the bar). */
export const REMINDER_GRACE_MS = 60_000;
/** At most this many entries in each detail list of the JSON line. */
const DETAILS_KEPT = 20;

export interface RunFacts {
  contacts: readonly string[];
  messages: readonly ReceivedMessage[];
  /** When each message arrived (see mailbox-clock.ts). */
  arrivals: readonly number[];
  /** The kills and the server restart, in time order. */
  events: readonly ChaosEvent[];
  /** When the approval was answered (this process's clock): the origin of the detail lists' times. */
  approvedAtMs: number;
  breachId: string;
  breachIncidentId: string;
  incidents: readonly { id: string; severity: Severity }[];
  policy: Policy;
  firstSeen: ReadonlyMap<bigint, number>;
  commands: readonly CommandRecord[];
  kills: number;
  killsWhileSending: number;
  workerDownMs: number;
  serverDownSeconds: number | null;
  workerUnexpectedExits: number;
  serverRestarts: number;
  apiReconnected: boolean | null;
  workerReconnected: boolean | null;
  timedOut: boolean;
  seed: number;
}

export async function chaosReport(db: Db, f: RunFacts) {
  const mailbox = mailboxFigures(f.messages, f.contacts);
  const recordedSent = await db.breachDelivery.count({ where: { breachId: f.breachId, status: 'sent' } });
  const breach = await db.breach.findUnique({ where: { id: f.breachId }, select: { approvedAt: true } });
  const lastSent = await db.breachDelivery.aggregate({ where: { breachId: f.breachId, status: 'sent' }, _max: { sentAt: true } });
  const allRecorded = recordedSent === f.contacts.length;
  const approvedAt = breach?.approvedAt?.getTime();
  const lastSentAt = lastSent._max.sentAt?.getTime();
  const secondsToAllDelivered =
    allRecorded && approvedAt !== undefined && lastSentAt !== undefined ? round((lastSentAt - approvedAt) / 1000) : null;

  const endMs = Date.now();
  const since = (ms: number | null) => (ms === null ? null : round((ms - f.approvedAtMs) / 1000));
  const lateDetail: { incident: string; dueSecond: number | null; occurredSecond: number | null; recordedSecond: number | null }[] = [];
  let remindersRecorded = 0;
  let worstDelayMs = 0;
  for (const incident of f.incidents) {
    const rows = await db.timelineEntry.findMany({
      where: { incidentId: incident.id, kind: { in: ['declared', 'status_update', 'status_reminder'] } },
      select: { id: true, kind: true, occurredAt: true },
    });
    const row = await db.incident.findUnique({ where: { id: incident.id }, select: { status: true } });
    const checked = lateReminders(rows, f.firstSeen, {
      cadenceMs: f.policy.incident.severities[incident.severity].statusUpdateEvery,
      endMs,
      stillOpen: OPEN_STATUSES.includes((row?.status ?? 'CLOSED') as IncidentStatus),
      graceMs: REMINDER_GRACE_MS,
    });
    for (const late of checked.late) {
      lateDetail.push({ incident: incident.id, dueSecond: since(late.dueMs), occurredSecond: since(late.occurredMs), recordedSecond: since(late.recordedMs) });
    }
    remindersRecorded += checked.recorded;
    worstDelayMs = Math.max(worstDelayMs, checked.worstDelayMs);
  }

  const copies = extraCopies(f.messages, f.arrivals, f.events);
  const falseMailAlarms = await db.timelineEntry.count({ where: { incidentId: f.breachIncidentId, kind: 'breach_delivery_failing' } });

  return {
    contacts: f.contacts.length,
    delivered: mailbox.delivered,
    lost: mailbox.lost,
    duplicateMessageIds: mailbox.duplicateMessageIds,
    remindersLate: lateDetail.length,
    kills: f.kills,
    serverRestarts: f.serverRestarts,
    secondsToAllDelivered,
    recordedSent,
    contactsWithSeveralMessageIds: mailbox.contactsWithSeveralMessageIds,
    duplicatesCausedBy: duplicatesByCause(copies),
    mostDuplicatesFromOneKill: mostDuplicatesFromOneKill(copies),
    remindersRecorded,
    worstReminderDelaySeconds: round(worstDelayMs / 1000),
    killsWhileSending: f.killsWhileSending,
    workerDownSeconds: round(f.workerDownMs / 1000),
    workerUnexpectedExits: f.workerUnexpectedExits,
    serverDownSeconds: f.serverDownSeconds,
    apiReconnected: f.apiReconnected,
    workerReconnected: f.workerReconnected,
    falseMailAlarms,
    commands: await commandFigures(db, f.commands),
    // Seconds after the approval: the kills, the server stop, each extra copy (first copy, copy), each late reminder.
    killSeconds: f.events.filter((e) => e.kind === 'kill').map((e) => since(e.at)),
    serverStopSecond: since(f.events.find((e) => e.kind === 'server-restart')?.at ?? null),
    duplicateSeconds: copies.slice(0, DETAILS_KEPT).map((c) => [since(c.firstMs), since(c.copyMs)]),
    lateReminders: lateDetail.slice(0, DETAILS_KEPT),
    timedOut: f.timedOut,
    seed: f.seed,
  };
}

/** How the stream of commands fared: answered, retried, and applied once (by their unique texts in the timeline). */
async function commandFigures(db: Db, commands: readonly CommandRecord[]) {
  let appliedTwice = 0;
  let appliedButMissing = 0;
  for (const c of commands.filter((command) => command.text !== '')) {
    const found = await db.timelineEntry.count({ where: { incidentId: c.incidentId, kind: c.kind, text: c.text } });
    if (found > 1) appliedTwice += 1;
    if (found === 0 && c.outcome === 'applied') appliedButMissing += 1;
  }
  const count = (outcome: CommandRecord['outcome']) => commands.filter((c) => c.outcome === outcome).length;
  return {
    sent: commands.length,
    applied: count('applied'),
    refused: count('refused'),
    unanswered: count('unanswered'),
    retried: commands.filter((c) => c.attempts > 1).length,
    appliedTwice,
    appliedButMissing,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
