// The servers a chaos run stands on, all on loopback and all its own: an
// embedded PostgreSQL (a fresh migrated database), a Temporal dev server that
// can be stopped (SIGTERM) and started again on the same port and SQLite file,
// keeping its state as a restarted production server would, a loopback SMTP server
// that keeps every message, and Rampart's API in this process.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { createPrismaClient, type Db } from '../../src/db/client';
import { createDatabase } from '../../src/db/databases';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { findFreePort } from '../../src/db/free-port';
import { migrate } from '../../src/db/migrate';
import { createMailer } from '../../src/mail/mailer';
import type { Policy } from '../../src/policy/schema';
import { startDevEnvironment } from '../../src/temporal/servers';
import { processesOf, waitUntilGone } from '../../test/support/process-table';
import type { Cleanup } from './cleanup';

export const NAMESPACE = 'default';
const STOP_GRACE_MS = 30_000;
const API_STOP_GRACE_MS = 2_000;
/** The worker's queue: RAMPART_TASK_QUEUE's default, which the worker process uses. */
export const TASK_QUEUE = 'rampart';

export interface ChaosDatabase {
  /** Connection URL with the password: handed to the worker, never logged. */
  url: string;
  db: Db;
}

/** PostgreSQL in `dir/pg`, deleted when it stops; one migrated database on it. */
export async function startDatabase(dir: string, cleanup: Cleanup, log: (line: string) => void): Promise<ChaosDatabase> {
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), persistent: false, log });
  cleanup.add('stop PostgreSQL', () => pg.stop());
  const url = await createDatabase(pg.url, 'rampart_chaos');
  await migrate(url);
  const db = createPrismaClient(url);
  cleanup.add('disconnect from PostgreSQL', () => db.$disconnect());
  return { url, db };
}

export interface RestartableTemporal {
  /** host:port; the same after a restart. */
  address: string;
  stop(): Promise<void>;
  /** Starts it again on the same port and SQLite file. */
  start(): Promise<void>;
}

/** A Temporal dev server on a fixed free port, persisting to `dir/temporal.sqlite`. */
export async function startTemporal(dir: string, cleanup: Cleanup): Promise<RestartableTemporal> {
  const port = await findFreePort();
  const dbFilename = path.join(dir, 'temporal.sqlite');
  let env: TestWorkflowEnvironment | undefined;
  const stop = async () => {
    const running = env;
    env = undefined;
    if (!running) return;
    // teardown() SIGKILLs the server; stop it first as an operator would (SIGTERM), so
    // it shuts down cleanly, and wait until it has. The server is the process whose
    // command line names the SQLite file.
    const server = { marker: dbFilename };
    for (const p of processesOf(server)) process.kill(p.pid, 'SIGTERM');
    const alive = await waitUntilGone(server, STOP_GRACE_MS);
    await running.teardown();
    if (alive.length > 0) throw new Error(`the Temporal dev server did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM (killed)`);
  };
  const start = async () => {
    if (env) throw new Error('the Temporal dev server is already running');
    env = await startDevEnvironment({ dbFilename, port, namespace: NAMESPACE });
  };
  await start();
  cleanup.add('stop the Temporal dev server', stop);
  return { address: `127.0.0.1:${port}`, stop, start };
}

export interface ChaosApi {
  url: string;
  /** The API's own Temporal client (the one a restart of the server puts to the test). */
  client: Client;
  stop(): Promise<void>;
}

/** Rampart's API (run: 'api') in this process, on `port`, with a Temporal client of its own. */
export async function startApi(o: { db: Db; temporalAddress: string; policy: Policy; port: number; dir: string }): Promise<ChaosApi> {
  const connection = await Connection.connect({ address: o.temporalAddress });
  // startStack takes a worker connection; an API-only stack never uses it.
  const unusedWorkerConnection = await NativeConnection.connect({ address: o.temporalAddress });
  const client = new Client({ connection, namespace: NAMESPACE });
  let stack: Stack;
  try {
    stack = await startStack({
      db: o.db,
      client,
      workerConnection: unusedWorkerConnection,
      namespace: NAMESPACE,
      taskQueue: TASK_QUEUE,
      policy: o.policy,
      connectors: [],
      mailer: createMailer({ outboxDir: path.join(o.dir, 'api-outbox') }),
      run: 'api',
      // On stop, requests still waiting for a workflow update (no worker) are cut after this.
      shutdownGraceMs: API_STOP_GRACE_MS,
      api: { host: '127.0.0.1', port: o.port },
    });
  } catch (err) {
    await unusedWorkerConnection.close();
    await connection.close();
    throw err;
  }
  return {
    url: stack.apiUrl ?? `http://127.0.0.1:${o.port}`,
    client,
    stop: async () => {
      await stack.stop();
      await unusedWorkerConnection.close().catch(() => undefined);
      await connection.close();
    },
  };
}
