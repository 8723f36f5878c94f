// When each message reached the loopback SMTP server (polled every 100 ms), so
// every extra copy can be put down to what interrupted the sending of the first:
// a worker kill, or the Temporal server restart.
import type { ReceivedMessage } from '../../test/support/smtp';

const POLL_EVERY_MS = 100;

/** A kill, or the start of the server restart (ms since the epoch), in time order. */
export type ChaosEvent = { at: number; kind: 'kill' | 'server-restart' };

export interface MailboxClock {
  /** Arrival time (ms since the epoch, ±100 ms) of messages[i]. */
  arrivals: number[];
  stop(): void;
}

export function clockMailbox(messages: readonly ReceivedMessage[]): MailboxClock {
  const arrivals: number[] = [];
  const tick = () => {
    const now = Date.now();
    while (arrivals.length < messages.length) arrivals.push(now);
  };
  const timer = setInterval(tick, POLL_EVERY_MS);
  return {
    arrivals,
    stop: () => {
      clearInterval(timer);
      tick();
    },
  };
}

/** How close before the first copy an event can be and still have interrupted its sending. */
const SENDING_TAKES_MS = 1_000;

export interface ExtraCopy {
  /** When the first copy (same recipient and Message-ID) arrived, and this one. */
  firstMs: number;
  copyMs: number;
  /**
   * What interrupted the sending of the first copy: the earliest event from just
   * before the first copy arrived until the copy did ('none' if there was none).
   * A copy is sent by a retry of an attempt that a kill or the server restart
   * cut off after the mail server had the message.
   */
  cause: ChaosEvent['kind'] | 'none';
  /** When that event happened (ms since the epoch); undefined for 'none'. */
  causeAt?: number;
}

export function extraCopies(messages: readonly ReceivedMessage[], arrivals: readonly number[], events: readonly ChaosEvent[]): ExtraCopy[] {
  const firstArrival = new Map<string, number>();
  const copies: ExtraCopy[] = [];
  messages.forEach((message, i) => {
    const at = arrivals[i] ?? Infinity;
    for (const to of message.to) {
      const key = `${to.toLowerCase()}\n${message.messageId ?? ''}`;
      const firstMs = firstArrival.get(key);
      if (firstMs === undefined) {
        firstArrival.set(key, at);
        continue;
      }
      const cause = events.find((e) => e.at >= firstMs - SENDING_TAKES_MS && e.at <= at);
      copies.push({ firstMs, copyMs: at, cause: cause?.kind ?? 'none', ...(cause ? { causeAt: cause.at } : {}) });
    }
  });
  return copies;
}

/** Extra copies counted by what caused them. */
export function duplicatesByCause(copies: readonly ExtraCopy[]): Record<ExtraCopy['cause'], number> {
  const counts = { kill: 0, 'server-restart': 0, none: 0 };
  for (const copy of copies) counts[copy.cause] += 1;
  return counts;
}

/** The most extra copies that one kill caused (the goal: at most one, see src/mail/commit-slot.ts). */
export function mostDuplicatesFromOneKill(copies: readonly ExtraCopy[]): number {
  const perKill = new Map<number, number>();
  for (const copy of copies) {
    if (copy.cause === 'kill' && copy.causeAt !== undefined) perKill.set(copy.causeAt, (perKill.get(copy.causeAt) ?? 0) + 1);
  }
  return Math.max(0, ...perKill.values());
}
