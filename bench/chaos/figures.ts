// The figures a chaos run reports, computed from what it collected: the
// mailbox of the loopback SMTP server, the delivery rows and the timelines.
// Pure functions, so the rules are in one place and plain to read.
import type { ReceivedMessage } from '../../test/support/smtp';

export interface MailboxFigures {
  /** Contacts with at least one message. */
  delivered: number;
  /** Contacts with none. */
  lost: number;
  /** Extra copies of a message: for each Message-ID, the copies beyond the first. */
  duplicateMessageIds: number;
  /** Contacts that got messages under more than one Message-ID (copies no receiver can recognise). */
  contactsWithSeveralMessageIds: number;
}

export function mailboxFigures(messages: readonly ReceivedMessage[], contacts: readonly string[]): MailboxFigures {
  const wanted = new Set(contacts.map((c) => c.toLowerCase()));
  const idsByContact = new Map<string, Set<string>>();
  const copiesById = new Map<string, number>();
  for (const message of messages) {
    const id = message.messageId ?? '(none)';
    for (const to of message.to.map((t) => t.toLowerCase()).filter((t) => wanted.has(t))) {
      idsByContact.set(to, (idsByContact.get(to) ?? new Set()).add(id));
      copiesById.set(`${to}\n${id}`, (copiesById.get(`${to}\n${id}`) ?? 0) + 1);
    }
  }
  const delivered = idsByContact.size;
  return {
    delivered,
    lost: wanted.size - delivered,
    duplicateMessageIds: [...copiesById.values()].reduce((sum, copies) => sum + copies - 1, 0),
    contactsWithSeveralMessageIds: [...idsByContact.values()].filter((ids) => ids.size > 1).length,
  };
}

export interface TimelineRow {
  id: bigint;
  kind: string;
  occurredAt: Date;
}

export interface LateReminder {
  dueMs: number;
  /** The workflow's time of the reminder; null: it never came (still missing at the end). */
  occurredMs: number | null;
  /** When it was first seen in the database; null: never. */
  recordedMs: number | null;
}

/**
 * Status reminders more than `graceMs` late. Walking an incident's timeline in
 * order, a reminder is due `cadenceMs` after the latest of: the declaration,
 * the last status update, the last status reminder (their occurred_at). It
 * counts late when it was recorded (first seen in the database; occurred_at if
 * never seen) more than `graceMs` after that. An incident still open at `endMs`
 * whose next reminder is more than `graceMs` overdue counts one more.
 */
export function lateReminders(
  rows: readonly TimelineRow[],
  firstSeen: ReadonlyMap<bigint, number>,
  o: { cadenceMs: number; endMs: number; stillOpen: boolean; graceMs: number },
): { recorded: number; late: LateReminder[]; worstDelayMs: number } {
  const sorted = [...rows].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || Number(a.id - b.id));
  let anchor: number | undefined;
  let recorded = 0;
  const late: LateReminder[] = [];
  let worstDelayMs = 0;
  for (const row of sorted) {
    const at = row.occurredAt.getTime();
    if (row.kind === 'declared' || row.kind === 'status_update') {
      anchor = Math.max(anchor ?? at, at);
    } else if (row.kind === 'status_reminder' && anchor !== undefined) {
      recorded += 1;
      const dueMs = anchor + o.cadenceMs;
      const recordedMs = firstSeen.get(row.id) ?? at;
      worstDelayMs = Math.max(worstDelayMs, recordedMs - dueMs);
      if (recordedMs - dueMs > o.graceMs) late.push({ dueMs, occurredMs: at, recordedMs: firstSeen.get(row.id) ?? null });
      anchor = Math.max(anchor, at);
    }
  }
  if (o.stillOpen && anchor !== undefined) {
    const dueMs = anchor + o.cadenceMs;
    worstDelayMs = Math.max(worstDelayMs, o.endMs - dueMs);
    if (o.endMs - dueMs > o.graceMs) late.push({ dueMs, occurredMs: null, recordedMs: null });
  }
  return { recorded, late, worstDelayMs };
}
