// Reads migrations laid out as Prisma Migrate lays them out:
//   prisma/migrations/migration_lock.toml
//   prisma/migrations/<yyyymmddhhmmss>_<name>/migration.sql
// so that `prisma migrate deploy` (on a machine that has the native engine) and
// Rampart's own migrator agree on names, order and checksums.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface MigrationFile {
  /** Directory name, e.g. `20261122050334_init`; Prisma's `migration_name`. */
  name: string;
  /** The script, executed as is. */
  script: string;
  /** sha256 hex of the file's bytes, as Prisma stores it in `_prisma_migrations.checksum`. */
  checksum: string;
}

export function checksumOf(script: string | Buffer): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Prisma's rule for "this applied migration's file is unchanged": the checksum
 * matches the script as is or with its line endings converted either way (git may
 * rewrite them); very old Prisma versions stored the hex digits without zero padding.
 */
export function scriptMatchesChecksum(script: string, stored: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const rendered =
      stored.length === 64 ? digest.toString('hex') : [...digest].map((byte) => byte.toString(16)).join('');
    return rendered === stored;
  });
}

/** prisma/migrations, found from this file whether it runs from src/ (tsx) or dist/src/. */
export function defaultMigrationsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no prisma/migrations directory above ${__dirname}`);
  }
}

/** All migrations in name (= timestamp) order, the order Prisma applies them in. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  await checkLockfile(migrationsDir);
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const bytes = await readFile(file).catch((err: unknown) => {
        throw new Error(`migration ${name} has no readable migration.sql`, { cause: err });
      });
      return { name, script: bytes.toString('utf8'), checksum: checksumOf(bytes) };
    }),
  );
}

// Prisma refuses to apply migrations written for another database provider; so do we.
async function checkLockfile(migrationsDir: string): Promise<void> {
  const lockfile = path.join(migrationsDir, 'migration_lock.toml');
  const text = await readFile(lockfile, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== 'postgresql') {
    throw new Error(`${lockfile} is for provider "${provider ?? '?'}", not "postgresql"`);
  }
}
