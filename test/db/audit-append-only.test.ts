// audit_events is evidence: the database itself refuses to change or remove rows.
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('audit_events is append-only', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const record = (eventId: string) =>
    db.prisma.auditEvent.create({
      data: {
        eventId,
        actor: 'alice',
        action: 'incident.declared',
        entityType: 'incident',
        entityId: 'INC-1',
        details: { severity: 'SEV1' },
        occurredAt: new Date('2026-01-01T00:00:00Z'),
      },
    });

  it('accepts new events', async () => {
    const event = await record('evt-insert');
    expect(await db.prisma.auditEvent.findUnique({ where: { id: event.id } })).toMatchObject({
      eventId: 'evt-insert',
      details: { severity: 'SEV1' },
    });
  });

  it('refuses UPDATE', async () => {
    const event = await record('evt-update');
    await expect(db.prisma.auditEvent.update({ where: { id: event.id }, data: { actor: 'mallory' } })).rejects.toThrow(
      /append-only: UPDATE is not allowed/,
    );
    await expect(db.prisma.auditEvent.updateMany({ data: { actor: 'mallory' } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe(`UPDATE audit_events SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    expect((await db.prisma.auditEvent.findUniqueOrThrow({ where: { id: event.id } })).actor).toBe('alice');
  });

  it('refuses DELETE and TRUNCATE', async () => {
    const event = await record('evt-delete');
    await expect(db.prisma.auditEvent.delete({ where: { id: event.id } })).rejects.toThrow(
      /append-only: DELETE is not allowed/,
    );
    await expect(db.prisma.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await db.prisma.auditEvent.count({ where: { id: event.id } })).toBe(1);
  });

  it('leaves the other tables editable', async () => {
    await db.prisma.incident.create({
      data: { id: 'INC-9', title: 't', severity: 'SEV3', declaredBy: 'bob', declaredAt: new Date() },
    });
    await db.prisma.incident.update({ where: { id: 'INC-9' }, data: { status: 'RESOLVED' } });
    await db.prisma.incident.delete({ where: { id: 'INC-9' } });
    expect(await db.prisma.incident.count()).toBe(0);
  });
});
