// One PostgreSQL for the whole Jest run; each test takes its own database on it
// (test/support/database.ts). Tests find it through RAMPART_TEST_PG_ADMIN_URL,
// which Jest's workers inherit. Set that variable yourself to use your own server
// (a superuser URL) instead of the embedded one.
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/db/embedded-postgres';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';

// globalSetup and globalTeardown run in the same process and share globalThis.
export interface TestPostgres {
  pg: EmbeddedPostgresHandle;
  temp: TempDataDir;
}
export const TEST_PG_KEY = '__rampartTestPostgres';

export default async function globalSetup(): Promise<void> {
  if ((process.env.RAMPART_TEST_PG_ADMIN_URL ?? '') !== '') return;
  const temp = await makeTempDataDir('rampart-test-pg-');
  try {
    const pg = await startEmbeddedPostgres({
      dataDir: temp.dataDir,
      persistent: false,
      log: (line) => process.stderr.write(`[test db] ${line}\n`),
    });
    (globalThis as Record<string, unknown>)[TEST_PG_KEY] = { pg, temp } satisfies TestPostgres;
    process.env.RAMPART_TEST_PG_ADMIN_URL = pg.url;
  } catch (err) {
    await temp.remove();
    throw err;
  }
}
