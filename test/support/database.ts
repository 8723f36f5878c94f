// A fresh, fully migrated database per test (file), on the server that
// test/support/global-setup.ts started; drop() removes it again.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createPrismaClient, type Db } from '../../src/db/client';
import { createDatabase, dropDatabase } from '../../src/db/databases';
import { migrate } from '../../src/db/migrate';

export interface TestDatabase {
  /** Connection URL (with password: do not log it). */
  url: string;
  prisma: Db;
  /** Disconnects the client and drops the database. */
  drop(): Promise<void>;
}

export function testAdminUrl(): string {
  const env = z
    .object({ RAMPART_TEST_PG_ADMIN_URL: z.string().min(1, 'set by test/support/global-setup.ts; run tests via jest') })
    .parse(process.env);
  return env.RAMPART_TEST_PG_ADMIN_URL;
}

/** A unique database name; PostgreSQL folds nothing here since it is all lower case. */
export function uniqueDatabaseName(prefix = 'rampart_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
}

/** An empty database with no migrations applied, for tests of the migrator itself. */
export async function createEmptyTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = testAdminUrl();
  const name = uniqueDatabaseName();
  const url = await createDatabase(adminUrl, name);
  return { url, drop: () => dropDatabase(adminUrl, name) };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTestDatabase();
  try {
    await migrate(empty.url);
  } catch (err) {
    await empty.drop();
    throw err;
  }
  const prisma = createPrismaClient(empty.url);
  return {
    url: empty.url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await empty.drop();
    },
  };
}
