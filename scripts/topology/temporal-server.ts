// The Temporal server on PostgreSQL, configured the way the temporalio/server
// image of docker-compose.yml configures it: no config file, only environment
// variables read by the server's embedded config template (DB=postgres12,
// POSTGRES_SEEDS, POSTGRES_USER, POSTGRES_PWD, ...). The only difference is
// that here every port is a free one on 127.0.0.1, so runs can share a machine.
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { TemporalServerInstall } from '../../src/temporal/servers';
import { startChild, type Child } from './child';

/** The dynamic config both this script and docker-compose.yml give the server. */
export const DYNAMIC_CONFIG_FILE = path.resolve(__dirname, '..', '..', 'tools', 'temporal-server', 'dynamicconfig.yaml');

/** The port variables of the embedded template; each service of the server listens on two. */
const PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

/**
 * The server records each service's membership port in cluster_membership.rpc_port, a PostgreSQL
 * smallint: a port above 32767 (any of Linux's ephemeral ports) stops it at start with
 * `value "35553" is out of range for type smallint`. So ports come from below that.
 */
const SMALLINT_LIMIT = 32_768;
const LOWEST_PORT = 10_000;

/** A port below `limit` that was free a moment ago (tried at random, so parallel runs rarely collide). */
async function freePortBelow(limit: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (limit - LOWEST_PORT));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST_PORT} and ${limit - 1} on 127.0.0.1`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface TemporalDb {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server's settings apart from addresses and ports: what docker-compose.yml's `temporal` service sets too. */
export function temporalServerSettings(db: TemporalDb, dynamicConfigFile = DYNAMIC_CONFIG_FILE): Record<string, string> {
  return {
    DB: 'postgres12',
    DB_PORT: String(db.port),
    POSTGRES_SEEDS: db.host,
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
  };
}

export interface RunningTemporal {
  child: Child;
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
}

export async function startTemporalServer(
  install: TemporalServerInstall,
  db: TemporalDb,
  workDir: string,
  onSpawn: (child: Child) => void,
): Promise<RunningTemporal> {
  const ports: Record<string, string> = {};
  for (const name of PORT_VARIABLES) ports[name] = String(await freePortBelow(SMALLINT_LIMIT));
  const env = {
    // A clean environment: TEMPORAL_* variables of the caller's must not change the server's config.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? workDir,
    ...temporalServerSettings(db),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    ...ports,
  };
  const child = startChild({
    name: 'temporal-server',
    command: install.server,
    args: ['start'],
    env,
    cwd: workDir,
    logFile: path.join(workDir, 'temporal-server.log'),
  });
  onSpawn(child);
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  await untilServing(address, child, 180_000);
  return { child, address };
}

/** Polls the frontend's gRPC health check until it answers SERVING. */
async function untilServing(address: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`temporal-server exited (${await child.exited}) while starting:\n${child.logTail()}`);
    const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch((err: Error) => {
      last = err.message;
      return undefined;
    });
    if (connection) {
      try {
        const { status } = await connection.healthService.check({});
        if (status === 1) return; // SERVING
        last = `health status ${status}`;
      } catch (err) {
        last = (err as Error).message;
      } finally {
        await connection.close();
      }
    }
    await sleep(500);
  }
  throw new Error(`temporal-server not serving on ${address} after ${timeoutMs / 1000} s (${last}):\n${child.logTail()}`);
}

/**
 * Registers the namespace (as `temporal operator namespace create` does in
 * docker-compose.yml) and waits until the frontend serves it, so a worker
 * started next does not find it missing.
 */
export async function registerNamespace(address: string, namespace: string, retentionDays: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays}d`) })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: fine
      });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`namespace ${namespace} not served 60 s after registering: ${(err as Error).message}`);
        await sleep(500);
      }
    }
  } finally {
    await connection.close();
  }
}
