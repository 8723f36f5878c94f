// Sends a page of a breach's pending notices (breach workflow v2): up to `limit`
// rows of breach_deliveries, `concurrency` at a time, each claimed, sent and
// marked exactly as the one-contact activity does. Returns counts and the first
// few rejected addresses, so the workflow's history stays small.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DELIVERY_IN_PROGRESS } from '../domain/breach';
import { redactEmailAddresses } from '../mail/redact';
import type { RejectedNotice, SendBreachNoticePageInput, SendBreachNoticePageResult } from '../workflows/breach/activities-contract';
import { createBreachNoticeSender, heartbeatEvery, type BreachMailDeps } from './breach-mail';
import { countDeliveries } from './breach-recipients';

/** Rejections named one by one in a page's result; the rest are counted. */
const REJECTED_LISTED = 10;
/**
 * A live page says so every second (Temporal heartbeat) and renews the claims it
 * holds at the same beat; a claim not renewed for CLAIM_STALE_MS belongs to a
 * dead attempt and is taken by the next page. A page whose worker is alive but
 * cut off from Temporal (a server restart) keeps its claims, so the retried
 * page sends the other rows, not these a second time.
 */
export const PAGE_BEAT_MS = 1_000;
export const CLAIM_STALE_MS = 4_000;

export function createBreachNoticePageActivities(deps: BreachMailDeps) {
  const { db } = deps;
  const send = createBreachNoticeSender(deps);

  return {
    async sendBreachNoticePage(input: SendBreachNoticePageInput): Promise<SendBreachNoticePageResult> {
      const held = new Set<string>();
      const stopHeartbeat = heartbeatEvery(PAGE_BEAT_MS);
      const renewal = setInterval(() => void renewClaims(held), PAGE_BEAT_MS);
      try {
        return await sendPage(input, held);
      } finally {
        clearInterval(renewal);
        stopHeartbeat();
      }
    },
  };

  /** Best effort: a renewal missed now is made at the next beat, well inside CLAIM_STALE_MS. */
  async function renewClaims(held: ReadonlySet<string>): Promise<void> {
    if (held.size === 0) return;
    await db.breachDelivery.updateMany({ where: { key: { in: [...held] }, status: 'sending' }, data: { claimedAt: new Date() } }).catch(() => undefined);
  }

  /** Cancelled (the attempt timed out or the workflow went on): start no new send. */
  function cancelled(): boolean {
    try {
      return Context.current().cancellationSignal.aborted;
    } catch {
      return false; // outside a worker (bench, scripts)
    }
  }

  async function sendPage(input: SendBreachNoticePageInput, held: Set<string>): Promise<SendBreachNoticePageResult> {
    const { breachId } = input;
    const staleBefore = new Date(Date.now() - CLAIM_STALE_MS);
    const rows = await db.breachDelivery.findMany({
      where: {
        breachId,
        OR: [{ status: 'pending' }, { status: 'sending', OR: [{ claimedAt: null }, { claimedAt: { lt: staleBefore } }] }],
      },
      orderBy: [{ seq: 'asc' }, { key: 'asc' }],
      take: input.limit,
    });
    const revisions = [...new Set(rows.map((r) => r.revisionId).filter((r): r is number => r !== null))];
    const customers = await db.breachCustomer.findMany({
      where: { revisionId: { in: revisions }, customerId: { in: [...new Set(rows.map((r) => r.customerId))] } },
    });
    const customerOf = (revisionId: number | null, customerId: string) => customers.find((c) => c.revisionId === revisionId && c.customerId === customerId);
    const judge = { notBefore: Date.parse(input.notBefore), deadline: Date.parse(input.deadline) };

    const result = { sent: 0, rejectedCount: 0, failed: 0, inProgress: 0, rejected: [] as RejectedNotice[], failure: undefined as string | undefined };
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let row = rows[next++]; row !== undefined && !cancelled(); row = rows[next++]) {
        const customer = customerOf(row.revisionId, row.customerId);
        try {
          const sent = await send(
            {
              key: row.key,
              breachId,
              incidentId: input.incidentId,
              customer: { id: row.customerId, name: row.customerName, contacts: customer?.contacts ?? [row.email], dataAffected: customer?.dataAffected ?? '' },
              email: row.email,
              notice: input.notice,
              verifiedAt: input.verifiedAt,
            },
            judge,
            { leaseMs: CLAIM_STALE_MS, onClaimed: (key) => held.add(key) },
          );
          if (sent.status === 'sent') result.sent += 1;
          else {
            result.rejectedCount += 1;
            if (result.rejected.length < REJECTED_LISTED) {
              result.rejected.push({ customerId: row.customerId, customerName: row.customerName, email: row.email, error: sent.error });
            }
          }
        } catch (err) {
          if (err instanceof ApplicationFailure && err.type === DELIVERY_IN_PROGRESS) result.inProgress += 1;
          else if (err instanceof ApplicationFailure && err.nonRetryable) throw err; // malformed input: a bug, not the mail server
          else {
            result.failed += 1;
            result.failure ??= redactEmailAddresses(err instanceof Error ? err.message : String(err)).slice(0, 300);
          }
        } finally {
          held.delete(row.key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.concurrency, rows.length) }, lane));
    return { ...result, counts: await countDeliveries(db, breachId) };
  }
}
