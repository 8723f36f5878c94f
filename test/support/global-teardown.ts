import { TEST_PG_KEY, type TestPostgres } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as Record<string, unknown>)[TEST_PG_KEY] as TestPostgres | undefined;
  if (started === undefined) return; // the user supplied their own server
  try {
    await started.pg.stop();
  } finally {
    await started.temp.remove();
    delete process.env.RAMPART_TEST_PG_ADMIN_URL;
  }
}
