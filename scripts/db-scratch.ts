// A throw-away database with every migration applied: Prisma's "shadow database",
// done with Rampart's own migrator so no native engine is needed.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createDatabase, dropDatabase } from '../src/db/databases';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { migrate } from '../src/db/migrate';
import { makeTempDataDir } from '../src/db/temp-data-dir';

const env = z
  .object({
    // A server to borrow (superuser URL), e.g. the one the test run started. When
    // unset, a private embedded PostgreSQL is started and removed afterwards.
    RAMPART_TEST_PG_ADMIN_URL: z.string().min(1).optional(),
  })
  .parse(process.env);

export async function withMigratedScratchDatabase<T>(
  migrationsDir: string,
  fn: (databaseUrl: string) => Promise<T>,
): Promise<T> {
  return withAdminUrl(async (adminUrl) => {
    const name = `rampart_scratch_${randomBytes(6).toString('hex')}`;
    const url = await createDatabase(adminUrl, name);
    try {
      await migrate(url, { migrationsDir });
      return await fn(url);
    } finally {
      await dropDatabase(adminUrl, name);
    }
  });
}

async function withAdminUrl<T>(fn: (adminUrl: string) => Promise<T>): Promise<T> {
  if (env.RAMPART_TEST_PG_ADMIN_URL !== undefined) return fn(env.RAMPART_TEST_PG_ADMIN_URL);
  const temp = await makeTempDataDir('rampart-scratch-');
  try {
    const pg = await startEmbeddedPostgres({ dataDir: temp.dataDir, persistent: false, log: () => undefined });
    try {
      return await fn(pg.url);
    } finally {
      await pg.stop();
    }
  } finally {
    await temp.remove();
  }
}
