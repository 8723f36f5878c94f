// The record activity against real PostgreSQL: a retried call writes nothing twice.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIncidentRecordActivities } from '../../src/activities/incident-records';
import type { IncidentState } from '../../src/domain/incident';
import type { RecordIncidentEventInput } from '../../src/workflows/incident/activities-contract';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

function incident(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    id: 'INC-20261122-rec1',
    title: 'Queue backlog',
    summary: '',
    severity: 'SEV3',
    status: 'DECLARED',
    personalData: false,
    declaredBy: 'U-alice',
    source: 'manual',
    roles: {},
    declaredAt: '2026-11-22T10:00:00.000Z',
    escalations: 0,
    statusReminders: 0,
    postmortemReminders: 0,
    actions: [],
    eventCount: 1,
    ...overrides,
  };
}

const event = (seq: number, state: IncidentState, kind: RecordIncidentEventInput['entry']['kind'], text: string) => ({
  eventId: `${state.id}:${seq}`,
  incident: state,
  entry: { kind, actor: 'U-alice', text, at: new Date(Date.parse(state.declaredAt) + seq * 60_000).toISOString() },
});

test('replaying the same events (activity retries) leaves exactly one copy of each record', async () => {
  const { recordIncidentEvent } = createIncidentRecordActivities(database.prisma);
  const env = new MockActivityEnvironment();
  const declared = incident();
  const updated = incident({ eventCount: 2, lastStatusUpdateAt: '2026-11-22T10:02:00.000Z', roles: { commander: 'U-alice' } });
  const resolved = incident({
    eventCount: 3,
    status: 'RESOLVED',
    resolvedAt: '2026-11-22T10:03:00.000Z',
    postmortemDueAt: '2026-11-27T10:03:00.000Z',
    roles: { commander: 'U-alice' },
    actions: [{ id: 'A1', title: 'Autoscale consumers', createdAt: '2026-11-22T10:03:00.000Z' }],
  });
  const events = [
    event(1, declared, 'declared', 'Declared SEV3: Queue backlog'),
    event(2, updated, 'status_update', 'Consumers restarted'),
    event(3, resolved, 'resolved', 'Resolved'),
  ];
  for (let round = 0; round < 3; round += 1) {
    for (const e of events) await env.run(recordIncidentEvent, e);
  }
  const db = database.prisma;
  const where = { incidentId: declared.id };
  expect(await db.timelineEntry.count({ where })).toBe(3);
  expect(await db.statusUpdate.count({ where })).toBe(1);
  expect(await db.auditEvent.count({ where: { entityId: declared.id } })).toBe(3);
  expect(await db.incidentRole.findMany({ where, select: { role: true, userId: true } })).toEqual([{ role: 'commander', userId: 'U-alice' }]);
  expect(await db.followUpAction.count({ where })).toBe(1);
  const row = await db.incident.findUniqueOrThrow({ where: { id: declared.id }, include: { postmortem: true } });
  expect(row.status).toBe('RESOLVED');
  expect(row.postmortem?.dueAt.toISOString()).toBe('2026-11-27T10:03:00.000Z');
});

test('concurrent attempts of one event (a timed-out attempt still running) also write once', async () => {
  const { recordIncidentEvent } = createIncidentRecordActivities(database.prisma);
  const env = new MockActivityEnvironment();
  const state = incident({ id: 'INC-20261122-rec2' });
  const e = event(1, state, 'declared', 'Declared');
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => env.run(recordIncidentEvent, e)));
  // Losers of the race fail and are retried by Temporal; a retry then finds the event written.
  await env.run(recordIncidentEvent, e);
  expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  expect(await database.prisma.timelineEntry.count({ where: { incidentId: state.id } })).toBe(1);
  expect(await database.prisma.auditEvent.count({ where: { entityId: state.id } })).toBe(1);
});
