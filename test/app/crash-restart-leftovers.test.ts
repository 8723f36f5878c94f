// Which processes a start takes for leftovers of a killed earlier run (see
// src/app/leftovers.ts): only this data directory's servers whose Rampart is gone.
// Stand-ins (node under another argv[0]) carry the servers' command lines. The
// unrelated process is an orphaned stand-in, not this test's own pid, so that a
// wrongly stopped one fails an assertion instead of killing the test run.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stopLeftoverDevServer, stopLeftoverPostgres } from '../../src/app/leftovers';
import { isAlive, processFacts } from '../../src/app/processes';

jest.setTimeout(120_000);

const KEEP_ALIVE = 'setInterval(() => undefined, 1 << 30)';
const started: { pid: number; argv: string[] }[] = [];
let root: string;
let pgDataDir: string;
let dbFilename: string;
let lines: string[];
const log = (line: string) => lines.push(line);

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rampart-leftovers-'));
  pgDataDir = path.join(root, 'postgres');
  dbFilename = path.join(root, 'temporal.sqlite');
  await mkdir(pgDataDir);
  lines = [];
});
afterEach(async () => {
  // Only what this test started, and only while it still is that process.
  for (const { pid, argv } of started.splice(0)) {
    if (processFacts(pid)?.argv.join(' ') === argv.join(' ')) process.kill(pid, 'SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
});

const postgresArgs = (dir: string) => ['/opt/stand-in/bin/postgres', '-D', dir, '-p', '5432'];
const devServerArgs = (file: string) => ['/opt/stand-in/temporal', 'server', 'start-dev', '--port', '7233', '--db-filename', file];

/** A stand-in whose parent is this test process, as a running Rampart is its servers' parent. */
function childStandIn([argv0 = '', ...args]: string[]): number {
  const argv = ['-e', KEEP_ALIVE, '--', ...args];
  const child = spawn(process.execPath, argv, { argv0, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start a stand-in');
  started.push({ pid: child.pid, argv: [argv0, ...argv] });
  return child.pid;
}

/** A stand-in whose parent has exited, as a killed Rampart's servers are. */
async function orphanedStandIn([argv0 = '', ...args]: string[]): Promise<number> {
  const argv = ['-e', KEEP_ALIVE, '--', ...args];
  const script = `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify(argv)}, ` +
    `{ argv0: ${JSON.stringify(argv0)}, detached: true, stdio: 'ignore' }); c.unref(); console.log(c.pid);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
  const pid = Number(stdout.trim());
  started.push({ pid, argv: [argv0, ...argv] });
  expect(processFacts(pid)?.ppid).not.toBe(process.pid);
  return pid;
}

async function writePostmasterPid(pid: number): Promise<string> {
  const file = path.join(pgDataDir, 'postmaster.pid');
  await writeFile(file, `${pid}\n${pgDataDir}\n1700000000\n5432\n\n127.0.0.1\n  5432001     0\nready   \n`);
  return file;
}

describe.each([
  ['an orphaned process with another command line', () => orphanedStandIn(['/opt/stand-in/bin/sleep', '600'])],
  ['an orphaned PostgreSQL of another data directory', () => orphanedStandIn(postgresArgs(path.join(root, 'other')))],
])('a postmaster.pid naming %s', (_, start) => {
  test('leaves that process running and removes the stale file', async () => {
    const pid = await start();
    const lockFile = await writePostmasterPid(pid);
    await stopLeftoverPostgres(pgDataDir, log);
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(lockFile)).toBe(false);
    expect(lines).toEqual([`embedded postgres: removed a stale postmaster.pid (process ${pid} is not this directory's server; left alone)`]);
  });
});

test('servers of this data directory whose parent still runs (a live Rampart) are not stopped', async () => {
  const postgres = childStandIn(postgresArgs(pgDataDir));
  const lockFile = await writePostmasterPid(postgres);
  const devServer = childStandIn(devServerArgs(dbFilename));
  await stopLeftoverPostgres(pgDataDir, log);
  await stopLeftoverDevServer(dbFilename, log);
  expect(isAlive(postgres)).toBe(true);
  expect(isAlive(devServer)).toBe(true);
  expect(existsSync(lockFile)).toBe(true);
  expect(lines).toEqual([
    `embedded postgres: ${pgDataDir} is in use by PostgreSQL ${postgres}, started by running process ${process.pid}; not stopping it`,
    `temporal: ${dbFilename} is in use by dev server ${devServer}, started by running process ${process.pid}; not stopping it`,
  ]);
});

test("orphaned servers of this data directory are stopped; another data directory's are not", async () => {
  const postgres = await orphanedStandIn(postgresArgs(pgDataDir));
  await writePostmasterPid(postgres);
  const devServer = await orphanedStandIn(devServerArgs(dbFilename));
  const otherDevServer = await orphanedStandIn(devServerArgs(path.join(root, 'other', 'temporal.sqlite')));
  await stopLeftoverPostgres(pgDataDir, log);
  await stopLeftoverDevServer(dbFilename, log);
  expect(isAlive(postgres)).toBe(false);
  expect(isAlive(devServer)).toBe(false);
  expect(isAlive(otherDevServer)).toBe(true);
  expect(lines).toEqual([
    `embedded postgres: stopped PostgreSQL (pid ${postgres}) that an earlier run left running in ${pgDataDir}`,
    `temporal: stopped the dev server (pid ${devServer}) that an earlier run left running on ${dbFilename}`,
  ]);
});
