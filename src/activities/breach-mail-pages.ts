// Sends a page of a breach's pending notices (breach workflow v2): up to `limit`
// rows of breach_deliveries, `concurrency` at a time, each claimed, sent and
// marked exactly as the one-contact activity does. Returns counts and the first
// few rejected addresses, so the workflow's history stays small.
import { ApplicationFailure } from '@temporalio/common';
import { DELIVERY_IN_PROGRESS } from '../domain/breach';
import { redactEmailAddresses } from '../mail/redact';
import type { RejectedNotice, SendBreachNoticePageInput, SendBreachNoticePageResult } from '../workflows/breach/activities-contract';
import { CLAIM_LEASE_MS, HEARTBEAT_EVERY_MS, createBreachNoticeSender, heartbeatEvery, type BreachMailDeps } from './breach-mail';
import { countDeliveries } from './breach-recipients';

/** Rejections named one by one in a page's result; the rest are counted. */
const REJECTED_LISTED = 10;

export function createBreachNoticePageActivities(deps: BreachMailDeps) {
  const { db } = deps;
  const send = createBreachNoticeSender(deps);
  const claimLeaseMs = deps.claimLeaseMs ?? CLAIM_LEASE_MS;

  return {
    async sendBreachNoticePage(input: SendBreachNoticePageInput): Promise<SendBreachNoticePageResult> {
      const stopHeartbeat = heartbeatEvery(HEARTBEAT_EVERY_MS);
      try {
        return await sendPage(input);
      } finally {
        stopHeartbeat();
      }
    },
  };

  async function sendPage(input: SendBreachNoticePageInput): Promise<SendBreachNoticePageResult> {
    const { breachId } = input;
    const leaseEnded = new Date(Date.now() - claimLeaseMs);
    const rows = await db.breachDelivery.findMany({
      where: {
        breachId,
        OR: [{ status: 'pending' }, { status: 'sending', ...(input.takeOverClaims ? {} : { OR: [{ claimedAt: null }, { claimedAt: { lt: leaseEnded } }] }) }],
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
      for (let row = rows[next++]; row !== undefined; row = rows[next++]) {
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
              ...(input.takeOverClaims ? { takeOverClaim: true } : {}),
            },
            judge,
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
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.concurrency, rows.length) }, lane));
    return { ...result, counts: await countDeliveries(db, breachId) };
  }
}
