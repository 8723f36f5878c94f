import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { checksumOf, defaultMigrationsDir, readMigrations } from '../../src/db/migrations-dir';
import { migrate } from '../../src/db/migrate';
import { createEmptyTestDatabase } from '../support/database';
import { copyOfMigrations } from './helpers/migrations-copy';

interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const history = (url: string) =>
  query<HistoryRow>(url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');

describe('migrate', () => {
  let db: { url: string; drop(): Promise<void> };
  beforeEach(async () => {
    db = await createEmptyTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('applies every migration once and records them as Prisma does', async () => {
    const files = await readMigrations(defaultMigrationsDir());
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^\d{14}_init$/)]));

    const first = await migrate(db.url);
    expect(first.applied).toEqual(files.map((f) => f.name));

    const rows = await history(db.url);
    expect(rows).toHaveLength(files.length);
    for (const [i, row] of rows.entries()) {
      const file = files[i];
      const bytes = await readFile(path.join(defaultMigrationsDir(), row.migration_name, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: file?.name,
        checksum: checksumOf(bytes),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }

    // Idempotent: a second run finds nothing to do and changes nothing.
    expect((await migrate(db.url)).applied).toEqual([]);
    expect(await history(db.url)).toEqual(rows);
  });

  it('uses the exact columns of Prisma\'s _prisma_migrations table', async () => {
    await migrate(db.url);
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      db.url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ['id', 'character varying', 'NO'],
      ['checksum', 'character varying', 'NO'],
      ['finished_at', 'timestamp with time zone', 'YES'],
      ['migration_name', 'character varying', 'NO'],
      ['logs', 'text', 'YES'],
      ['rolled_back_at', 'timestamp with time zone', 'YES'],
      ['started_at', 'timestamp with time zone', 'NO'],
      ['applied_steps_count', 'integer', 'NO'],
    ]);
  });

  describe('with a private copy of the migrations', () => {
    let copy: { dir: string; remove(): Promise<void> };
    beforeEach(async () => {
      copy = await copyOfMigrations();
    });
    afterEach(async () => {
      await copy.remove();
    });

    const firstMigration = async () => {
      const [first] = await readMigrations(copy.dir);
      if (first === undefined) throw new Error('no migrations');
      return path.join(copy.dir, first.name, 'migration.sql');
    };

    it('refuses to run when an applied migration was edited', async () => {
      await migrate(db.url, { migrationsDir: copy.dir });
      await appendFile(await firstMigration(), '\n-- an innocent-looking edit\n');
      await expect(migrate(db.url, { migrationsDir: copy.dir })).rejects.toThrow(/was modified after it was applied/);
    });

    it('accepts an applied migration whose line endings git converted, as Prisma does', async () => {
      await migrate(db.url, { migrationsDir: copy.dir });
      const file = await firstMigration();
      await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
      expect((await migrate(db.url, { migrationsDir: copy.dir })).applied).toEqual([]);
    });

    it('refuses when the database has a migration the directory lacks', async () => {
      await migrate(db.url, { migrationsDir: copy.dir });
      const dir = path.join(copy.dir, '99990101000000_from_the_future');
      await mkdir(dir);
      await writeFile(path.join(dir, 'migration.sql'), 'CREATE TABLE "future" ("id" INTEGER);\n');
      await migrate(db.url, { migrationsDir: copy.dir });
      await expect(migrate(db.url)).rejects.toThrow(/99990101000000_from_the_future, which is not in the migrations/);
    });

    it('rolls a failing migration back completely and records nothing for it', async () => {
      const dir = path.join(copy.dir, '99990101000000_broken');
      await mkdir(dir);
      await writeFile(path.join(dir, 'migration.sql'), 'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT 1/0;\n');
      await expect(migrate(db.url, { migrationsDir: copy.dir })).rejects.toThrow(
        /99990101000000_broken failed and was rolled back: division by zero/,
      );
      const rows = await history(db.url);
      expect(rows.map((r) => r.migration_name)).not.toContain('99990101000000_broken');
      expect(rows.every((r) => r.finished_at !== null)).toBe(true);
      expect(await query(db.url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
    });
  });

  it('lets only one of two concurrent migrators apply each migration', async () => {
    const [a, b] = await Promise.all([migrate(db.url), migrate(db.url)]);
    const files = await readMigrations(defaultMigrationsDir());
    expect([...(a?.applied ?? []), ...(b?.applied ?? [])].sort()).toEqual(files.map((f) => f.name));
    expect(await history(db.url)).toHaveLength(files.length);
  });

  it('refuses a database that something else already set up', async () => {
    await query(db.url, 'CREATE TABLE "someone_elses" ("id" INTEGER)');
    await expect(migrate(db.url)).rejects.toThrow(/schema is not empty/);
  });

  it('refuses when Prisma left a failed migration behind', async () => {
    await migrate(db.url);
    await query(
      db.url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
       VALUES ('00000000-0000-4000-8000-000000000000', '${'0'.repeat(64)}', '99990101000000_failed', 'boom')`,
    );
    await expect(migrate(db.url)).rejects.toThrow(/99990101000000_failed failed earlier/);
  });
});
