import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultMigrationsDir } from '../../../src/db/migrations-dir';

/** A private copy of prisma/migrations that a test may edit. */
export async function copyOfMigrations(): Promise<{ dir: string; remove(): Promise<void> }> {
  const parent = await mkdtemp(path.join(tmpdir(), 'rampart-migrations-'));
  const dir = path.join(parent, 'migrations');
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}
