// Applies pending prisma/migrations/*/migration.sql at start-up. Prisma's own
// `migrate deploy` needs the native schema engine, which cannot be downloaded
// everywhere Rampart runs; this does the same job with `pg` and keeps Prisma's
// bookkeeping (`_prisma_migrations`) exactly as Prisma does, so either tool can
// take over from the other.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { defaultMigrationsDir, readMigrations, scriptMatchesChecksum, type MigrationFile } from './migrations-dir';

export interface MigrateOptions {
  /** Default: the repository's prisma/migrations. */
  migrationsDir?: string;
  /** How long to wait for another migrator (Rampart or Prisma) to finish. Default 60 s. */
  lockTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order; empty when up to date. */
  applied: string[];
}

// The advisory lock key Prisma Migrate takes, so Rampart and `prisma migrate deploy`
// never run at the same time against one database.
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Prisma's DDL for its history table, verbatim (schema engine, postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Brings the database at `databaseUrl` up to date with the migrations directory.
 * Each migration runs in its own transaction together with its `_prisma_migrations`
 * row, so a failing migration leaves no trace and can be fixed and retried. Refuses
 * to run when the recorded history and the files disagree (an applied file was
 * edited or removed, or Prisma left a failed migration behind).
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const log = opts.log ?? (() => undefined);
  const migrations = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  const client = new Client({ connectionString: databaseUrl });
  // An idle-connection error must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await acquireLock(client, opts.lockTimeoutMs ?? 60_000);
    try {
      const history = await readHistory(client);
      const pending = checkHistory(history, migrations);
      for (const migration of pending) {
        log(`migrate: applying ${migration.name}`);
        await applyOne(client, migration);
      }
      log(pending.length === 0 ? 'migrate: database is up to date' : `migrate: applied ${pending.length} migration(s)`);
      return { applied: pending.map((m) => m.name) };
    } finally {
      // Ending the session below releases the lock anyway; never mask the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function acquireLock(client: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_LOCK_KEY,
    ]);
    if (rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new Error(`migrate: another migrator still holds the migration lock after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The history rows, creating Prisma's table on first use (only in an empty schema, as Prisma does). */
async function readHistory(client: Client): Promise<AppliedRow[]> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  if (rows[0]?.exists !== true) {
    await refuseNonEmptySchema(client);
    await client.query(CREATE_MIGRATIONS_TABLE);
    return [];
  }
  const history = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  );
  return history.rows;
}

// Like Prisma (P3005): a schema that already has objects but no migration history was
// set up by something else, and migrating it blindly could clash with or hide that.
async function refuseNonEmptySchema(client: Client): Promise<void> {
  const { rows } = await client.query<{ n: number }>(
    `WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
     SELECT (SELECT count(*) FROM pg_class, s WHERE relnamespace = s.oid AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
          + (SELECT count(*) FROM pg_type, s WHERE typnamespace = s.oid AND typtype = 'e') AS n`,
  );
  if (Number(rows[0]?.n ?? 0) > 0) {
    throw new Error(
      'migrate: the database schema is not empty but has no _prisma_migrations table; ' +
        'refusing to migrate a database that something else set up',
    );
  }
}

/** The migrations still to apply, after checking that the recorded history matches the files. */
function checkHistory(history: AppliedRow[], migrations: MigrationFile[]): MigrationFile[] {
  const failed = history.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length > 0) {
    throw new Error(
      `migrate: migration(s) ${failed.map((r) => r.migration_name).join(', ')} failed earlier and were never ` +
        'resolved; inspect the database, then `prisma migrate resolve` (as with Prisma error P3009)',
    );
  }
  const files = new Map(migrations.map((m) => [m.name, m]));
  const applied = new Set<string>();
  for (const row of history) {
    if (row.rolled_back_at !== null) continue;
    const file = files.get(row.migration_name);
    if (file === undefined) {
      throw new Error(
        `migrate: the database has migration ${row.migration_name}, which is not in the migrations ` +
          'directory (is this an older Rampart against a newer database?)',
      );
    }
    if (!scriptMatchesChecksum(file.script, row.checksum)) {
      throw new Error(
        `migrate: migration ${row.migration_name} was modified after it was applied ` +
          `(checksum ${file.checksum} on disk, ${row.checksum} in the database); ` +
          'add a new migration instead of editing an applied one',
      );
    }
    applied.add(row.migration_name);
  }
  return migrations.filter((m) => !applied.has(m.name));
}

// The row is written the way Prisma writes it (uuid v4 id, sha256 checksum, one
// applied step, logs NULL), but inside the migration's transaction: Prisma leaves
// a half-applied migration behind on failure, we leave nothing.
async function applyOne(client: Client, migration: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)',
      [id, migration.checksum, migration.name],
    );
    // No parameters, so pg uses the simple query protocol, which runs a multi-statement script.
    await client.query(migration.script);
    await client.query(
      `UPDATE _prisma_migrations
          SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
        WHERE id = $1`,
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`migrate: migration ${migration.name} failed and was rolled back: ${reason}`, { cause: err });
  }
}
