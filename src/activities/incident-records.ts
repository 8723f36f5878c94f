// Writes what the incident workflow decided to PostgreSQL. Each call carries an
// eventId; an event already written is skipped whole, so retries and replays
// never write twice.
import type { IncidentState } from '../domain/incident';
import type { Db, DbTransaction } from '../db/client';
import type { RecordIncidentEventInput } from '../workflows/incident/activities-contract';

export function createIncidentRecordActivities(db: Db) {
  return {
    async recordIncidentEvent({ eventId, incident, entry }: RecordIncidentEventInput): Promise<void> {
      await db.$transaction(async (tx) => {
        const already = await tx.timelineEntry.findUnique({ where: { eventId }, select: { id: true } });
        if (already) return;
        const at = new Date(entry.at);
        await writeIncidentSnapshot(tx, incident);
        await tx.timelineEntry.create({
          data: { eventId, incidentId: incident.id, kind: entry.kind, actor: entry.actor, text: entry.text, occurredAt: at },
        });
        await tx.auditEvent.create({
          data: {
            eventId,
            actor: entry.actor,
            action: `incident.${entry.kind}`,
            entityType: 'incident',
            entityId: incident.id,
            details: { status: incident.status, severity: incident.severity },
            occurredAt: at,
          },
        });
        if (entry.kind === 'status_update') {
          await tx.statusUpdate.create({
            data: { eventId, incidentId: incident.id, author: entry.actor, text: entry.text, postedAt: at },
          });
        }
        await writeRoles(tx, incident, at);
        await writePostmortem(tx, incident);
      });
    },
  };
}

function date(iso: string | undefined): Date | null {
  return iso ? new Date(iso) : null;
}

async function writeIncidentSnapshot(tx: DbTransaction, s: IncidentState): Promise<void> {
  const fields = {
    title: s.title,
    summary: s.summary,
    severity: s.severity,
    status: s.status,
    source: s.source,
    dedupKey: s.dedupKey ?? null,
    personalData: s.personalData,
    declaredBy: s.declaredBy,
    declaredAt: new Date(s.declaredAt),
    acknowledgedAt: date(s.acknowledgedAt),
    triagedAt: date(s.triagedAt),
    mitigatedAt: date(s.mitigatedAt),
    resolvedAt: date(s.resolvedAt),
    postmortemAt: date(s.postmortemAt),
    closedAt: date(s.closedAt),
  };
  await tx.incident.upsert({ where: { id: s.id }, create: { id: s.id, ...fields }, update: fields });
}

async function writeRoles(tx: DbTransaction, s: IncidentState, at: Date): Promise<void> {
  const current = await tx.incidentRole.findMany({ where: { incidentId: s.id } });
  for (const [role, userId] of Object.entries(s.roles)) {
    if (current.some((r) => r.role === role && r.userId === userId)) continue;
    await tx.incidentRole.upsert({
      where: { incidentId_role: { incidentId: s.id, role } },
      create: { incidentId: s.id, role, userId, assignedAt: at },
      update: { userId, assignedAt: at },
    });
  }
}

async function writePostmortem(tx: DbTransaction, s: IncidentState): Promise<void> {
  if (!s.postmortemDueAt) return;
  const fields = {
    dueAt: new Date(s.postmortemDueAt),
    document: s.postmortemDocument ?? '',
    completedAt: date(s.postmortemCompletedAt),
  };
  await tx.postmortem.upsert({ where: { incidentId: s.id }, create: { incidentId: s.id, ...fields }, update: fields });
  for (const action of s.actions) {
    const key = `${s.id}:action:${action.id}`;
    const row = { title: action.title, owner: action.owner ?? null, doneAt: date(action.doneAt) };
    await tx.followUpAction.upsert({
      where: { eventId: key },
      create: { eventId: key, incidentId: s.id, createdAt: new Date(action.createdAt), ...row },
      update: row,
    });
  }
}
