// Writes the breach workflow's events: the breach snapshot, an entry in the
// incident's timeline and the audit log. Skipped whole when already written.
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../db/client';
import type { RecordBreachEventInput } from '../workflows/breach/activities-contract';

export function createBreachRecordActivities(db: Db) {
  return {
    async recordBreachEvent({ eventId, breach: b, entry }: RecordBreachEventInput): Promise<void> {
      await db.$transaction(async (tx) => {
        if (await tx.timelineEntry.findUnique({ where: { eventId }, select: { id: true } })) return;
        const at = new Date(entry.at);
        const date = (iso: string | undefined) => (iso ? new Date(iso) : null);
        const fields = {
          verifiedAt: new Date(b.verifiedAt),
          verifiedBy: b.verifiedBy,
          deadline: new Date(b.deadline),
          authorityDeadline: new Date(b.authorityDeadline),
          status: b.status,
          approvedBy: b.approvedBy ?? null,
          approvedAt: date(b.approvedAt),
          missedAt: date(b.missedAt),
          completedAt: date(b.completedAt),
          authorityNotifiedAt: date(b.authority.notifiedAt),
          authorityReference: b.authority.reference ?? null,
          notice: (b.notice ?? undefined) as Prisma.InputJsonValue | undefined,
          // v2 keeps the list in breach_customers: the snapshot names its revision.
          customers: ('customers' in b ? b.customers : (b.customerList ?? [])) as unknown as Prisma.InputJsonValue,
        };
        await tx.breach.upsert({ where: { id: b.id }, create: { id: b.id, incidentId: b.incidentId, ...fields }, update: fields });
        await tx.timelineEntry.create({
          data: { eventId, incidentId: b.incidentId, kind: entry.kind, actor: entry.actor, text: entry.text, occurredAt: at },
        });
        await tx.auditEvent.create({
          data: {
            eventId,
            actor: entry.actor,
            action: `breach.${entry.kind.replace(/^breach_/, '')}`,
            entityType: 'breach',
            entityId: b.id,
            details: { status: b.status, deadline: b.deadline, missed: Boolean(b.missedAt) },
            occurredAt: at,
          },
        });
      });
    },
  };
}
