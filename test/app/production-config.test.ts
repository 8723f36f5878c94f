// Issue 10, production process split: `npm run worker` and `npm run api` run
// against an existing Temporal and PostgreSQL. Without TEMPORAL_ADDRESS or
// DATABASE_URL they refuse to start with one error naming the missing variable
// (never a value), and never start an embedded server instead. And
// RAMPART_SHUTDOWN_GRACE is a checked duration.
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { ConfigError, readEnv } from '../../src/config/env';
import { processesOf } from '../support/process-table';
import { productionEnv, runNpmScript, type ProductionScript } from './production-process';

jest.setTimeout(600_000);

let temp: TempDataDir;
beforeAll(async () => {
  temp = await makeTempDataDir('rampart-production-config-');
});
afterAll(async () => {
  await temp?.remove();
});

// Present variables point at nothing listening and carry a secret, so neither a
// start nor a leaked value can go unnoticed.
const SECRET = 'pw-must-not-leak-7f3a';
const DATABASE_URL = `postgresql://rampart:${SECRET}@127.0.0.1:1/rampart`;
const TEMPORAL_ADDRESS = '127.0.0.1:1';

const PRESENT = { DATABASE_URL, TEMPORAL_ADDRESS };
const NAMED = {
  TEMPORAL_ADDRESS: 'TEMPORAL_ADDRESS (an existing Temporal cluster)',
  DATABASE_URL: 'DATABASE_URL (an existing PostgreSQL database)',
  both: 'TEMPORAL_ADDRESS and DATABASE_URL (an existing Temporal cluster and PostgreSQL database)',
};

test.each([
  ['worker', 'TEMPORAL_ADDRESS'],
  ['worker', 'DATABASE_URL'],
  ['api', 'TEMPORAL_ADDRESS'],
  ['api', 'DATABASE_URL'],
  ['worker', 'both'],
] as const)('npm run %s without %s refuses to start with one error naming it', async (script: ProductionScript, absent) => {
  const settings: Record<string, string> = absent === 'both' ? {} : { ...PRESENT };
  if (absent !== 'both') delete settings[absent];
  const result = await runNpmScript(script, productionEnv({ ...settings, RAMPART_DATA_DIR: temp.dataDir }));
  expect(result).toMatchObject({ code: 1, signal: null });
  // This one line and nothing else: no policy read, no server started, no value shown.
  expect(result.output).toBe(`rampart: invalid configuration: npm run ${script} needs ${NAMED[absent]}; it never starts embedded servers: use npm start for those\n`);
  expect(result.output).not.toContain(SECRET);
  expect(processesOf({ marker: temp.dataDir })).toEqual([]);
});

test('RAMPART_SHUTDOWN_GRACE is a duration (ms, s, m, h), 30 s by default; anything else names the variable', () => {
  expect(readEnv({}).RAMPART_SHUTDOWN_GRACE).toBe(30_000);
  expect(readEnv({ RAMPART_SHUTDOWN_GRACE: '500ms' }).RAMPART_SHUTDOWN_GRACE).toBe(500);
  expect(readEnv({ RAMPART_SHUTDOWN_GRACE: '45s' }).RAMPART_SHUTDOWN_GRACE).toBe(45_000);
  expect(readEnv({ RAMPART_SHUTDOWN_GRACE: ' 2m ' }).RAMPART_SHUTDOWN_GRACE).toBe(120_000);
  expect(readEnv({ RAMPART_SHUTDOWN_GRACE: '1h' }).RAMPART_SHUTDOWN_GRACE).toBe(3_600_000);
  for (const bad of ['30', 'soon', '-5s', '1.5s', '10 s']) {
    expect(() => readEnv({ RAMPART_SHUTDOWN_GRACE: bad })).toThrow(ConfigError);
    expect(() => readEnv({ RAMPART_SHUTDOWN_GRACE: bad })).toThrow(/^invalid configuration: RAMPART_SHUTDOWN_GRACE: a duration such as 30s, 2m or 500ms$/);
  }
});
