// The audit log is a hash chain the database keeps itself: a row changed or
// removed afterwards, even by a superuser who gets past the append-only
// triggers, is named by the check (issue 11, "Tamper-evident audit").
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { verifyAuditChain } from '../../src/db/audit-chain';
import { createPrismaClient, type Db } from '../../src/db/client';
import type { Prisma } from '../../src/generated/prisma/client';
import { migrate } from '../../src/db/migrate';
import { defaultMigrationsDir } from '../../src/db/migrations-dir';
import { createEmptyTestDatabase, createTestDatabase, type TestDatabase } from '../support/database';
import { REPO_ROOT, runTsx } from './helpers/run-script';

const record = (db: Db, eventId: string, details: Prisma.InputJsonObject = { severity: 'SEV1' }) =>
  db.auditEvent.create({
    data: { eventId, actor: 'U-alice', action: 'incident.declared', entityType: 'incident', entityId: 'INC-20261201-chain', details, occurredAt: new Date('2026-12-01T05:00:00.123Z') },
  });

/** A change made as the database superuser with triggers off (session_replication_role = replica). */
async function asSuperuserPastTriggers(url: string, sql: string, params: unknown[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('the audit hash chain', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await t?.drop();
  });

  it('links every row to the one before it, one insert at a time even when they race, and verifies clean', async () => {
    await record(t.prisma, 'e1');
    await Promise.all(['e2', 'e3', 'e4', 'e5', 'e6'].map((id) => record(t.prisma, id, { n: id, nested: { b: 1, a: [2, 3] } })));
    const rows = await t.prisma.auditEvent.findMany({ orderBy: { chainSeq: 'asc' } });
    expect(rows.map((r) => Number(r.chainSeq))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]?.prevHash).toBe('');
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    expect(await verifyAuditChain(t.prisma)).toEqual({ rows: 6, ok: true });
  });

  it('names the row a superuser changed past the triggers', async () => {
    for (const id of ['e1', 'e2', 'e3', 'e4']) await record(t.prisma, id);
    await asSuperuserPastTriggers(t.url, `UPDATE audit_events SET actor = 'U-mallory' WHERE event_id = $1`, ['e3']);
    expect(await verifyAuditChain(t.prisma)).toEqual({ rows: 4, ok: false, firstBroken: { chainSeq: 3, eventId: 'e3', reason: 'content changed' } });
  });

  it('names the row after one a superuser removed, and a forged hash does not hide a change', async () => {
    for (const id of ['e1', 'e2', 'e3', 'e4']) await record(t.prisma, id);
    await asSuperuserPastTriggers(t.url, 'DELETE FROM audit_events WHERE event_id = $1', ['e2']);
    expect(await verifyAuditChain(t.prisma)).toEqual({ rows: 3, ok: false, firstBroken: { chainSeq: 3, eventId: 'e3', reason: 'previous row missing or changed' } });

    const other = await createTestDatabase();
    try {
      for (const id of ['e1', 'e2', 'e3']) await record(other.prisma, id);
      // Rewrites a row and recomputes its hash the way the trigger does: the next row's link still breaks.
      await asSuperuserPastTriggers(other.url, `UPDATE audit_events SET details = '{"severity":"SEV4"}' WHERE event_id = $1`, ['e2']);
      await asSuperuserPastTriggers(other.url, 'UPDATE audit_events SET hash = audit_event_hash(prev_hash, audit_event_content(audit_events.*)) WHERE event_id = $1', ['e2']);
      expect(await verifyAuditChain(other.prisma)).toMatchObject({ ok: false, firstBroken: { eventId: 'e3', reason: 'previous row missing or changed' } });
    } finally {
      await other.drop();
    }
  });

  it('the application cannot change a row: the append-only triggers stay', async () => {
    await record(t.prisma, 'e1');
    await expect(t.prisma.auditEvent.updateMany({ where: { eventId: 'e1' }, data: { actor: 'U-mallory' } })).rejects.toThrow(/append-only/);
    expect(await verifyAuditChain(t.prisma)).toEqual({ rows: 1, ok: true });
  });
});

it('rows written before the chain existed are chained, in the order written, by the migration', async () => {
  const empty = await createEmptyTestDatabase();
  const before = await mkdtemp(path.join(tmpdir(), 'rampart-migrations-'));
  const db = createPrismaClient(empty.url);
  try {
    const all = (await readdir(defaultMigrationsDir())).filter((d) => /^\d{14}_/.test(d)).sort();
    const chainAt = all.findIndex((d) => d.endsWith('_audit_hash_chain'));
    expect(chainAt).toBeGreaterThan(0);
    for (const dir of all.slice(0, chainAt)) await cp(path.join(defaultMigrationsDir(), dir), path.join(before, dir), { recursive: true });
    await migrate(empty.url, { migrationsDir: before });
    const client = new Client({ connectionString: empty.url });
    await client.connect();
    try {
      for (const id of ['old1', 'old2', 'old3']) {
        await client.query(
          `INSERT INTO audit_events (event_id, actor, action, entity_type, entity_id, details, occurred_at) VALUES ($1, 'U-a', 'incident.note', 'incident', 'INC-1', '{}', now())`,
          [id],
        );
      }
    } finally {
      await client.end();
    }
    await migrate(empty.url);
    await record(db, 'new1');
    const rows = await db.auditEvent.findMany({ orderBy: { chainSeq: 'asc' } });
    expect(rows.map((r) => [r.eventId, Number(r.chainSeq)])).toEqual([['old1', 1], ['old2', 2], ['old3', 3], ['new1', 4]]);
    expect(await verifyAuditChain(db)).toEqual({ rows: 4, ok: true });
  } finally {
    await db.$disconnect();
    await rm(before, { recursive: true, force: true });
    await empty.drop();
  }
});

it('npm run rampart -- audit verify prints the report and exits 0 on a clean chain, 1 naming the broken row, 2 on a wrong command', async () => {
  const t = await createTestDatabase();
  try {
    for (const id of ['e1', 'e2', 'e3']) await record(t.prisma, id);
    const cli = (args: string[]) => runTsx(path.join(REPO_ROOT, 'src', 'cli', 'rampart.ts'), args, { DATABASE_URL: t.url });
    const clean = await cli(['audit', 'verify']);
    expect({ code: clean.code, out: JSON.parse(clean.stdout) as unknown, err: clean.stderr }).toEqual({ code: 0, out: { rows: 3, ok: true }, err: '' });

    await asSuperuserPastTriggers(t.url, `UPDATE audit_events SET entity_id = 'INC-other' WHERE event_id = $1`, ['e2']);
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({ rows: 3, ok: false, firstBroken: { chainSeq: 2, eventId: 'e2', reason: 'content changed' } });
    expect(broken.stderr).toBe('audit verify: the chain breaks at row 2 (e2): content changed\n');

    const wrong = await cli(['audit', 'fix']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('usage: npm run rampart -- audit verify');
  } finally {
    await t.drop();
  }
});
