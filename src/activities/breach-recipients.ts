// The v2 breach workflow's recipients in PostgreSQL: approval opens one pending
// breach_deliveries row per contact of the approved customer list (one
// transaction, idempotent), a correction replaces a rejected row, and the
// workflow only ever receives counts.
import type { Db } from '../db/client';
import type { CorrectBreachContactInput, CorrectBreachContactResult, OpenBreachDeliveriesInput } from '../workflows/breach/activities-contract';
import type { DeliveryCounts } from '../workflows/breach/state-v2';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function deliveryKey(breachId: string, customerId: string, email: string): string {
  return `${breachId}:${customerId}:${email}`;
}

/** By status, from the rows: `sending` counts as pending (an attempt is under way). */
export async function countDeliveries(db: Db | Tx, breachId: string): Promise<DeliveryCounts> {
  const groups = await db.breachDelivery.groupBy({ by: ['status'], where: { breachId }, _count: { _all: true } });
  const n = (status: string) => groups.find((g) => g.status === status)?._count._all ?? 0;
  const late = await db.breachDelivery.count({ where: { breachId, status: 'sent', late: true } });
  const pending = n('pending') + n('sending');
  return { total: pending + n('sent') + n('rejected'), pending, sent: n('sent'), rejected: n('rejected'), replaced: n('replaced'), late };
}

const LONG_TRANSACTION = { timeout: 300_000, maxWait: 30_000 };

export function createBreachRecipientActivities(db: Db) {
  return {
    async openBreachDeliveries({ breachId, revision }: OpenBreachDeliveriesInput): Promise<DeliveryCounts> {
      return db.$transaction(async (tx) => {
        const customers = await tx.breachCustomer.findMany({ where: { revisionId: revision }, orderBy: { position: 'asc' } });
        if (customers.length === 0) throw new Error(`customer list revision ${revision} of ${breachId} is empty or missing`);
        let seq = 0;
        const rows = customers.flatMap((c) =>
          c.contacts.map((email) => ({
            key: deliveryKey(breachId, c.customerId, email),
            breachId,
            customerId: c.customerId,
            customerName: c.name,
            email,
            status: 'pending',
            revisionId: revision,
            seq: (seq += 1),
          })),
        );
        // A retried activity finds its rows already there.
        for (let i = 0; i < rows.length; i += 5_000) {
          await tx.breachDelivery.createMany({ data: rows.slice(i, i + 5_000), skipDuplicates: true });
        }
        return countDeliveries(tx, breachId);
      }, LONG_TRANSACTION);
    },

    async correctBreachContact({ breachId, customerId, email, newEmail }: CorrectBreachContactInput): Promise<CorrectBreachContactResult> {
      return db.$transaction(async (tx) => {
        const newKey = deliveryKey(breachId, customerId, newEmail);
        const rejected = await tx.breachDelivery.findFirst({ where: { breachId, customerId, email, status: 'rejected' } });
        if (!rejected) {
          // A retried activity whose first attempt committed: the replacement is there.
          if (await tx.breachDelivery.findUnique({ where: { key: newKey } })) return { ok: true, counts: await countDeliveries(tx, breachId) };
          return { ok: false, reason: `no rejected delivery to ${email} for ${customerId}` };
        }
        const taken = await tx.breachDelivery.findFirst({ where: { breachId, customerId, email: newEmail } });
        if (taken) return { ok: false, reason: `${newEmail} is already a contact of ${customerId}` };
        const last = await tx.breachDelivery.aggregate({ where: { breachId }, _max: { seq: true } });
        await tx.breachDelivery.update({ where: { key: rejected.key }, data: { status: 'replaced' } });
        await tx.breachDelivery.create({
          data: {
            key: newKey,
            breachId,
            customerId,
            customerName: rejected.customerName,
            email: newEmail,
            status: 'pending',
            revisionId: rejected.revisionId,
            seq: (last._max.seq ?? 0) + 1,
          },
        });
        if (rejected.revisionId !== null) {
          const customer = await tx.breachCustomer.findUnique({ where: { revisionId_customerId: { revisionId: rejected.revisionId, customerId } } });
          if (customer) {
            await tx.breachCustomer.update({
              where: { revisionId_customerId: { revisionId: rejected.revisionId, customerId } },
              data: { contacts: customer.contacts.map((e) => (e === email ? newEmail : e)) },
            });
          }
        }
        return { ok: true, counts: await countDeliveries(tx, breachId) };
      });
    },
  };
}
