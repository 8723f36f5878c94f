// README, HTTP API: `GET /healthz` "checks PostgreSQL and Temporal; 503 when
// either is down". Each test runs the real stack against servers of its own and
// takes one of them down: an embedded PostgreSQL that is stopped, a Temporal dev
// server that is torn down.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack } from '../../src/app/stack';
import { createPrismaClient, type Db } from '../../src/db/client';
import { makeTempDataDir } from '../../src/db/temp-data-dir';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { outboxMailer } from '../support/outbox-mailer';
import { call } from '../support/stack';
import { startTsx } from '../support/tsx-process';

jest.setTimeout(300_000);

/** Run after each test, last first, whether it passed or not. */
let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/**
 * The API of a real stack (only the API: health is the API's) with a Temporal
 * client of its own, so tearing the server down leaves the client open and its
 * calls fail as they would in production.
 */
async function startApi(db: Db, temporal: TestWorkflowEnvironment): Promise<string> {
  const connection = await Connection.connect({ address: temporal.address });
  cleanups.push(() => connection.close());
  const stack = await startStack({
    db,
    client: new Client({ connection, namespace: 'default' }),
    workerConnection: temporal.nativeConnection,
    namespace: 'default',
    taskQueue: `healthz-${process.pid}`,
    policy: loadPolicy(),
    connectors: [],
    mailer: outboxMailer(),
    run: 'api',
    api: { host: '127.0.0.1', port: 0 },
  });
  cleanups.push(() => stack.stop());
  return stack.apiUrl ?? '';
}

/** A Temporal dev server; `stop` tears it down (once, also at cleanup). */
async function startTemporal(): Promise<{ env: TestWorkflowEnvironment; stop(): Promise<void> }> {
  const env = await startDevEnvironment();
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= env.teardown());
  cleanups.push(stop);
  return { env, stop };
}

/** An embedded PostgreSQL in `dataDir` (on `port` when given); `stop` is SIGINT, as at shutdown. */
async function startPostgres(dataDir: string, port?: number): Promise<{ url: string; port: number; stop(): Promise<unknown> }> {
  const server = startTsx(path.join('test', 'app', 'fixtures', 'postgres-server.ts'), {
    args: port === undefined ? [dataDir] : [dataDir, String(port)],
    env: process.env,
    marker: dataDir,
  });
  cleanups.push(() => server.kill());
  const listening = Number((await server.waitFor(/^listening on (\d+)$/m))[1]);
  const { user, password } = JSON.parse(await readFile(path.join(dataDir, 'rampart-credentials.json'), 'utf8')) as Record<string, string>;
  return {
    url: `postgresql://${encodeURIComponent(user ?? '')}:${encodeURIComponent(password ?? '')}@127.0.0.1:${listening}/postgres`,
    port: listening,
    stop: () => {
      server.signal('SIGINT');
      return server.exited;
    },
  };
}

const healthz = (url: string) => call(url, 'GET', '/healthz');
const healthy = { status: 200, body: { status: 'ok', checks: { database: 'ok', temporal: 'ok', workflows: 'ok' } } };
const unreachable = expect.stringMatching(/^unreachable: \S/);
/** Wedged workflows cannot be looked for while Temporal is down. */
const unknown = expect.stringMatching(/^unknown: \S/);

test('answers 503 naming the database while PostgreSQL is down, and 200 again once it is back', async () => {
  const temp = await makeTempDataDir('rampart-healthz-pg-');
  cleanups.push(() => temp.remove());
  const pg = await startPostgres(temp.dataDir);
  const db = createPrismaClient(pg.url);
  cleanups.push(() => db.$disconnect());
  const temporal = await startTemporal();
  const url = await startApi(db, temporal.env);
  expect(await healthz(url)).toEqual(healthy);

  await pg.stop();
  expect(await healthz(url)).toEqual({ status: 503, body: { status: 'degraded', checks: { database: unreachable, temporal: 'ok', workflows: 'ok' } } });

  await startPostgres(temp.dataDir, pg.port);
  // The pool drops the connections the stopped server closed; a later check opens a new one.
  await eventually(async () => expect(await healthz(url)).toEqual(healthy), 60_000);
});

test('answers 503 naming Temporal while the Temporal server is down', async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const temporal = await startTemporal();
  const url = await startApi(database.prisma, temporal.env);
  expect(await healthz(url)).toEqual(healthy);

  await temporal.stop();
  // The client retries an unreachable server for about 20 s before the check gives up.
  expect(await healthz(url)).toEqual({ status: 503, body: { status: 'degraded', checks: { database: 'ok', temporal: unreachable, workflows: unknown } } });
});
