/**
 * Where the Temporal dev server (CLI + SQLite) and the time-skipping test server come from.
 *
 * One resolver for `npm start`, the tests and the benchmarks. Each server is looked up in order:
 *   1. an explicit path: TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH;
 *   2. a versioned cache outside the clone (RAMPART_CACHE_DIR, else $XDG_CACHE_HOME/rampart, else
 *      ~/.cache/rampart), so fresh CI clones reuse earlier builds;
 *   3. the SDK's own download (needs temporal.download; skip with RAMPART_SKIP_SDK_DOWNLOAD=1);
 *   4. a build from registries: the CLI from its Go module (tools/temporal), the test server from
 *      Maven Central (tools/test-server), written into the cache;
 *   5. otherwise one error listing what was tried and what to do.
 * Using an existing cluster (TEMPORAL_ADDRESS) is the caller's choice; see existingClusterAddress().
 *
 * The production Temporal server (`temporal-server` and `temporal-sql-tool`, run on PostgreSQL by
 * scripts/production-topology.ts) has no SDK download: resolveTemporalServer() takes an explicit
 * TEMPORAL_SERVER_PATH, the cache, or a build of tools/temporal-server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { z } from 'zod';

export type { EphemeralServerExecutable };
export type ServerKind = 'dev-server' | 'test-server' | 'temporal-server';

/** Blank values count as unset, so `FOO= npm test` behaves like not setting FOO. */
const optional = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_CLI_PATH: optional,
  TEMPORAL_TEST_SERVER_PATH: optional,
  TEMPORAL_SERVER_PATH: optional,
  RAMPART_CACHE_DIR: optional,
  RAMPART_SKIP_SDK_DOWNLOAD: optional.transform((v) => v !== undefined && !['0', 'false'].includes(v)),
  XDG_CACHE_HOME: optional,
  HOME: optional,
  PATH: optional,
});
type Env = z.infer<typeof EnvSchema>;

/** Tests pass their own environment instead of process.env. */
export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
}

/** A download that hangs (e.g. packets dropped by a firewall) must not block forever; offline it fails in < 0.1 s. */
const SDK_ATTEMPT_TIMEOUT_MS = 120_000;

/** `TEMPORAL_ADDRESS` if the caller should use an existing cluster instead of starting one. */
export function existingClusterAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return EnvSchema.parse(env).TEMPORAL_ADDRESS;
}

/** Root of the per-user cache shared by all clones. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return cacheRootOf(EnvSchema.parse(env));
}

function cacheRootOf(e: Env): string {
  if (e.RAMPART_CACHE_DIR) return path.resolve(e.RAMPART_CACHE_DIR);
  if (e.XDG_CACHE_HOME) return path.resolve(e.XDG_CACHE_HOME, 'rampart');
  return path.join(e.HOME ?? os.homedir(), '.cache', 'rampart');
}

/** The repo root, found by walking up so this works from src/ (tsx, jest) and dist/ alike. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tools', 'temporal', 'go.mod'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`tools/temporal/go.mod not found above ${__dirname}`);
  }
}

/** Versions come from the pin files themselves, so bumping a pin also moves the cache folder. */
function pinnedVersion(kind: ServerKind): string {
  const root = repoRoot();
  if (kind === 'temporal-server') return pinnedServerVersion(root);
  const [file, re] =
    kind === 'dev-server'
      ? [path.join(root, 'tools/temporal/go.mod'), /^\s*(?:require\s+)?github\.com\/temporalio\/cli (v\S+)/m]
      : [path.join(root, 'tools/test-server/pom.xml'), /<temporal-test-server\.version>([^<]+)</];
  const match = re.exec(fs.readFileSync(file, 'utf8'));
  if (!match?.[1]) throw new Error(`No pinned version found in ${file}`);
  return match[1];
}

interface Spec {
  label: string;
  envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH' | 'TEMPORAL_SERVER_PATH';
  dirName: string;
  exeName: string;
  tools: string[];
  /** What to tell the user when every step failed. */
  fix: string;
  /** `env` is the raw environment, so GOPROXY, GOFLAGS, MAVEN_OPTS etc. reach the tools. */
  build: (tmpDir: string, env: NodeJS.ProcessEnv) => Promise<void>;
  /** Optional speed-up run in the final folder; the entry is usable even if it fails. */
  finish?: (dir: string, env: NodeJS.ProcessEnv) => Promise<void>;
}

function spec(kind: ServerKind): Spec {
  const root = repoRoot();
  const version = pinnedVersion(kind);
  if (kind === 'temporal-server') return temporalServerSpec(root, version);
  if (kind === 'dev-server') {
    return {
      label: `Temporal CLI ${version}`,
      envVar: 'TEMPORAL_CLI_PATH',
      dirName: `temporal-cli-${version}`,
      exeName: 'temporal',
      tools: ['go'],
      fix:
        'Fix: set TEMPORAL_CLI_PATH to a Temporal CLI binary; or install Go (any 1.21+ fetches the toolchain ' +
        'tools/temporal/go.mod asks for) and run `npx tsx scripts/provision-temporal.ts`; ' +
        'or set TEMPORAL_ADDRESS to use an existing cluster.',
      build: async (tmpDir, env) => {
        progress(`Building Temporal CLI ${version} from its Go module (first run only, ~5 min on 2 cores)…`);
        // Same flags as the upstream release build; -mod=readonly makes an incomplete go.sum fail loudly.
        const ldflags = `-s -w -X github.com/temporalio/cli/internal/temporalcli.Version=${version.slice(1)}`;
        const args = ['build', '-mod=readonly', `-ldflags=${ldflags}`, '-o', path.join(tmpDir, 'temporal')];
        args.push('github.com/temporalio/cli/cmd/temporal');
        await run('go', args, path.join(root, 'tools/temporal'), { ...env, CGO_ENABLED: '0' });
      },
    };
  }
  return {
    label: `Temporal test server ${version}`,
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    dirName: `temporal-test-server-${version}`,
    exeName: 'temporal-test-server',
    tools: ['mvn', 'java'],
    fix:
      'Fix: set TEMPORAL_TEST_SERVER_PATH to a Temporal test server executable; or install Maven and a JDK (8+) ' +
      'and run `npx tsx scripts/provision-temporal.ts`.',
    build: async (tmpDir, env) => {
      progress(`Fetching Temporal test server ${version} from Maven Central (first run only, ~30 s)…`);
      const pom = path.join(root, 'tools/test-server/pom.xml');
      const lib = path.join(tmpDir, 'lib');
      const args = ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`];
      await run('mvn', args, root, env);
      fs.writeFileSync(path.join(tmpDir, 'temporal-test-server'), javaLauncher(version), { mode: 0o755 });
    },
    finish: (dir, env) => archiveStartupClasses(version, dir, env),
  };
}

/**
 * The test server's launcher. The SDK gives a server about 5 s to answer, so the JVM flags favour
 * start-up time, and app.jsa (see archiveStartupClasses) is used when present; -Xshare:auto ignores
 * a missing or stale archive. Paths are relative to the script so the folder can be renamed.
 */
function javaLauncher(version: string, extraJvmFlag = ''): string {
  return [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${version}, provisioned by rampart (src/temporal/servers.ts).`,
    'dir=$(cd "$(dirname "$0")" && pwd -P)',
    'exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \\',
    `  -Xshare:auto -XX:SharedArchiveFile="$dir/app.jsa"${extraJvmFlag ? ` ${extraJvmFlag}` : ''} \\`,
    '  -cp "$dir/lib/*" io.temporal.testserver.TestServer "$@"',
    '',
  ].join('\n');
}

/**
 * Class-data sharing: records the classes the server loads while starting and answering the SDK,
 * then dumps them pre-parsed into app.jsa. Start-up (as the SDK sees it) drops from ~0.65 s to ~0.45 s
 * on an idle 2-core machine and from ~1.6 s to ~0.65 s on a saturated one. Runs in the final folder
 * because the archive records the classpath.
 */
async function archiveStartupClasses(version: string, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const real = fs.realpathSync(dir); // matches `pwd -P` in the launcher
  const trainer = path.join(real, 'train-cds.sh');
  const classList = path.join(real, 'classes.lst');
  fs.writeFileSync(trainer, javaLauncher(version, '-XX:DumpLoadedClassList="$dir/classes.lst"'), { mode: 0o755 });
  try {
    const server = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: trainer } },
    });
    await server.teardown();
    const java = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java'; // same JVM as the launcher
    const tmpArchive = path.join(real, 'app.jsa.tmp');
    const args = ['-Xlog:disable', '-Xlog:all=error:stderr', '-Xshare:dump', `-XX:SharedClassListFile=${classList}`];
    await run(java, [...args, `-XX:SharedArchiveFile=${tmpArchive}`, '-cp', path.join(real, 'lib', '*')], real, env);
    fs.renameSync(tmpArchive, path.join(real, 'app.jsa'));
  } finally {
    fs.rmSync(trainer, { force: true });
    fs.rmSync(classList, { force: true });
  }
}

/** Where a server's cached build lives, whether or not it has been built yet. */
export function cachedServerPath(kind: ServerKind, env: NodeJS.ProcessEnv = process.env): string {
  const s = spec(kind);
  return path.join(cacheRoot(env), s.dirName, s.exeName);
}

function progress(message: string): void {
  process.stderr.write(`[rampart] ${message}\n`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: Env): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, name)));
}

/** Runs a build tool with its output on our stderr, so stdout stays clean for callers. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Steps 1 and 2: an explicit path or a cached build; no network. */
function findLocal(kind: ServerKind, env: Env): string | undefined {
  const s = spec(kind);
  const explicit = env[s.envVar];
  if (explicit) {
    // A wrong explicit path is a configuration error, not a reason to silently use something else.
    if (!isExecutable(explicit)) throw new Error(`${s.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = path.join(cacheRootOf(env), s.dirName, s.exeName);
  return isExecutable(cached) ? cached : undefined;
}

/** A lock file stops two processes (e.g. parallel CI jobs) from building the same thing at once. */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${os.hostname()} ${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStaleLock(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (!announced) progress(`Waiting for another process to finish (${lockFile})…`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function isStaleLock(lockFile: string): boolean {
  try {
    const [host, pid] = fs.readFileSync(lockFile, 'utf8').trim().split(' ');
    if (host === os.hostname()) {
      process.kill(Number(pid), 0); // throws if that process is gone
      return false;
    }
    return Date.now() - fs.statSync(lockFile).mtimeMs > 60 * 60_000; // other host: trust it for an hour
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM'; // EPERM: alive, owned by another user
  }
}

/** Step 4: build into a temp folder next to the cache entry, then rename it into place. */
async function buildIntoCache(kind: ServerKind, env: Env, rawEnv: NodeJS.ProcessEnv): Promise<string> {
  const s = spec(kind);
  const root = cacheRootOf(env);
  const finalDir = path.join(root, s.dirName);
  fs.mkdirSync(root, { recursive: true });
  return withLock(`${finalDir}.lock`, async () => {
    const exe = path.join(finalDir, s.exeName);
    if (isExecutable(exe)) return exe; // built by whoever held the lock before us
    for (const old of fs.readdirSync(root).filter((name) => name.startsWith(`${s.dirName}.tmp-`))) {
      fs.rmSync(path.join(root, old), { recursive: true, force: true }); // left by a killed build
    }
    const tmpDir = fs.mkdtempSync(`${finalDir}.tmp-`);
    try {
      await s.build(tmpDir, rawEnv);
      fs.rmSync(finalDir, { recursive: true, force: true }); // leftovers of a broken entry
      fs.renameSync(tmpDir, finalDir);
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    await s.finish?.(finalDir, rawEnv).catch((err: unknown) => progress(`(speed-up skipped: ${message(err)})`));
    progress(`${s.label} is ready: ${exe}`);
    return exe;
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Races an SDK start against a deadline; a start that finishes late is torn down, not leaked. */
async function withDeadline(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const attempt = start();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no answer within ${SDK_ATTEMPT_TIMEOUT_MS / 1000} s`));
    }, SDK_ATTEMPT_TIMEOUT_MS);
  });
  attempt.then((env) => (timedOut ? env.teardown() : undefined)).catch(() => undefined);
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

interface Resolved {
  executable: EphemeralServerExecutable;
  /** Set when the SDK download was used: the environment it started while trying. */
  started?: TestWorkflowEnvironment;
}

/**
 * The whole resolution order. `sdkStart` starts a server with the SDK's default download; it is
 * only called when nothing local exists, and its environment is handed back so it isn't wasted.
 */
async function resolve(
  kind: ServerKind,
  sdkStart: (executable: EphemeralServerExecutable) => Promise<TestWorkflowEnvironment>,
  opts: ResolveOptions = {},
): Promise<Resolved> {
  const rawEnv = opts.env ?? process.env;
  const env = EnvSchema.parse(rawEnv);
  const s = spec(kind);
  const local = findLocal(kind, env);
  if (local) return { executable: { type: 'existing-path', path: local } };

  const tried: string[] = [`no ${s.envVar}; nothing cached in ${path.join(cacheRootOf(env), s.dirName)}`];
  if (env.RAMPART_SKIP_SDK_DOWNLOAD) {
    tried.push('SDK download skipped (RAMPART_SKIP_SDK_DOWNLOAD)');
  } else {
    const executable: EphemeralServerExecutable = { type: 'cached-download' };
    try {
      return { executable, started: await withDeadline(() => sdkStart(executable)) };
    } catch (err) {
      tried.push(`SDK download failed: ${message(err)}`);
    }
  }

  const missing = s.tools.filter((tool) => !onPath(tool, env));
  if (missing.length === 0) {
    try {
      return { executable: { type: 'existing-path', path: await buildIntoCache(kind, env, rawEnv) } };
    } catch (err) {
      tried.push(`build failed: ${message(err)}`);
    }
  } else {
    tried.push(`cannot build: ${missing.join(', ')} not on PATH`);
  }

  throw new Error(`No ${s.label} available.\n  - ${tried.join('\n  - ')}\n${s.fix}`);
}

/** Resolves the dev server; with the SDK download, briefly starts one to prove the download works. */
export async function resolveDevServerExecutable(opts?: ResolveOptions): Promise<EphemeralServerExecutable> {
  const { executable, started } = await resolve('dev-server', (exe) => startLocal({}, exe), opts);
  await started?.teardown();
  return executable;
}

/** Resolves the time-skipping test server, as resolveDevServerExecutable() does. */
export async function resolveTestServerExecutable(opts?: ResolveOptions): Promise<EphemeralServerExecutable> {
  const { executable, started } = await resolve('test-server', startTimeSkipping, opts);
  await started?.teardown();
  return executable;
}

/** Resolves (building if needed) both servers up front, so tests don't pay a build inside a timeout. */
export async function provisionServers(
  opts?: ResolveOptions,
): Promise<{ devServer: EphemeralServerExecutable; testServer: EphemeralServerExecutable }> {
  // One after the other: both builds are CPU-heavy and the progress output stays readable.
  const devServer = await resolveDevServerExecutable(opts);
  const testServer = await resolveTestServerExecutable(opts);
  return { devServer, testServer };
}

export interface DevEnvironmentOptions {
  /** SQLite file to persist to; in-memory when omitted. */
  dbFilename?: string;
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; the UI runs only when this is set. */
  uiPort?: number;
  namespace?: string;
  /** More `temporal server start-dev` arguments, e.g. `--dynamic-config-value key=value`. */
  extraArgs?: string[];
}

function startLocal(opts: DevEnvironmentOptions, executable: EphemeralServerExecutable) {
  const { dbFilename, port, uiPort, namespace, extraArgs } = opts;
  return TestWorkflowEnvironment.createLocal({
    server: { executable, dbFilename, port, namespace, ui: uiPort !== undefined, uiPort, ...(extraArgs ? { extraArgs } : {}) },
  });
}

function startTimeSkipping(executable: EphemeralServerExecutable) {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
}

/** Starts a real Temporal dev server (SQLite) from the resolved CLI. */
export async function startDevEnvironment(opts: DevEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
  const { executable, started } = await resolve('dev-server', (exe) => startLocal(opts, exe));
  return started ?? startLocal(opts, executable);
}

export interface TimeSkippingOptions {
  /**
   * Move the server's clock to this moment before returning (it starts at the real
   * time), so that calendar-dependent results (business days, weekdays) do not
   * change with the day a test runs. Must lie in the future.
   */
  startAt?: Date;
}

/** Starts the time-skipping test server: timers in workflows complete as soon as nothing else is pending. */
export async function startTimeSkippingEnvironment(opts: TimeSkippingOptions = {}): Promise<TestWorkflowEnvironment> {
  const { executable, started } = await resolve('test-server', startTimeSkipping);
  const env = started ?? (await startTimeSkipping(executable));
  if (opts.startAt) {
    const ahead = opts.startAt.getTime() - (await env.currentTimeMs());
    if (ahead < 0) {
      await env.teardown();
      throw new Error(`startAt ${opts.startAt.toISOString()} is in the past; choose a later date`);
    }
    await env.sleep(ahead);
  }
  return env;
}

// ── The production Temporal server ───────────────────────────────────────────────────────────
// `temporal-server` (frontend, history, matching and worker services in one process) and
// `temporal-sql-tool`, built from go.temporal.io/server at the version tools/temporal-server pins,
// with the PostgreSQL schema files of that same version copied beside them: what the
// temporalio/server and temporalio/admin-tools images of docker-compose.yml hold.

/** Where the schema files live inside the module and inside a cache entry. */
const POSTGRES_SCHEMA_DIR = path.join('schema', 'postgresql', 'v12');

const SERVER_PROGRAMS = [
  ['temporal-server', 'go.temporal.io/server/cmd/server'],
  ['temporal-sql-tool', 'go.temporal.io/server/cmd/tools/sql'],
] as const;

function pinnedServerVersion(root: string): string {
  const file = path.join(root, 'tools/temporal-server/go.mod');
  const match = /^\s*(?:require\s+)?go\.temporal\.io\/server (v\S+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!match?.[1]) throw new Error(`No pinned version found in ${file}`);
  return match[1];
}

function temporalServerSpec(root: string, version: string): Spec {
  const moduleDir = path.join(root, 'tools/temporal-server');
  return {
    label: `Temporal server ${version}`,
    envVar: 'TEMPORAL_SERVER_PATH',
    dirName: `temporal-server-${version}`,
    exeName: 'temporal-server',
    tools: ['go'],
    fix:
      'Fix: set TEMPORAL_SERVER_PATH to a temporal-server binary with temporal-sql-tool and ' +
      `${POSTGRES_SCHEMA_DIR}/ beside it; or install Go (any 1.21+ fetches the toolchain ` +
      'tools/temporal-server/go.mod asks for) and run `npm run provision`.',
    build: async (tmpDir, env) => {
      progress(`Building Temporal server ${version} and temporal-sql-tool from their Go module (first run only)…`);
      // As the upstream release build (.goreleaser.yml): static, no build tags.
      for (const [exe, pkg] of SERVER_PROGRAMS) {
        const args = ['build', '-mod=readonly', '-ldflags=-s -w', '-o', path.join(tmpDir, exe), pkg];
        await run('go', args, moduleDir, { ...env, CGO_ENABLED: '0' });
      }
      // The schema ships in the module; a copy keeps the entry usable after `go clean -modcache`.
      const listArgs = ['list', '-mod=readonly', '-m', '-f', '{{.Dir}}', 'go.temporal.io/server'];
      const serverModule = (await capture('go', listArgs, moduleDir, env)).trim();
      copyTree(path.join(serverModule, POSTGRES_SCHEMA_DIR), path.join(tmpDir, POSTGRES_SCHEMA_DIR));
    },
  };
}

/** Runs a tool and returns its stdout; its stderr goes to ours. */
function capture(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Copies files as plain writable files: the module cache's are read-only, which would pin the entry. */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [src, dest] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) copyTree(src, dest);
    else fs.writeFileSync(dest, fs.readFileSync(src), { mode: 0o644 });
  }
}

/** Nothing usable is there and this machine cannot build it (as opposed to a build that failed). */
export class BuildToolsMissingError extends Error {}

export interface TemporalServerInstall {
  /** The version tools/temporal-server pins (for an explicit path: the version expected there). */
  version: string;
  server: string;
  sqlTool: string;
  /** PostgreSQL 12+ schema: `temporal/` and `visibility/`, each with the `versioned/` dir update-schema takes. */
  postgresSchemaDir: string;
}

/**
 * Resolves the production Temporal server, its SQL tool and schema: TEMPORAL_SERVER_PATH (with the
 * tool and schema beside it), else the cache, else a build of tools/temporal-server into the
 * cache (once, under the same lock as the other builds), else one error saying what to do.
 */
export async function resolveTemporalServer(opts: ResolveOptions = {}): Promise<TemporalServerInstall> {
  const rawEnv = opts.env ?? process.env;
  const env = EnvSchema.parse(rawEnv);
  const s = spec('temporal-server');
  const local = findLocal('temporal-server', env);
  if (local) return installBeside(local, pinnedVersion('temporal-server'));

  const tried = [`no ${s.envVar}; nothing cached in ${path.join(cacheRootOf(env), s.dirName)}`];
  const missing = s.tools.filter((tool) => !onPath(tool, env));
  if (missing.length > 0) {
    tried.push(`cannot build: ${missing.join(', ')} not on PATH`);
    throw new BuildToolsMissingError(`No ${s.label} available.\n  - ${tried.join('\n  - ')}\n${s.fix}`);
  }
  try {
    return installBeside(await buildIntoCache('temporal-server', env, rawEnv), pinnedVersion('temporal-server'));
  } catch (err) {
    tried.push(`build failed: ${message(err)}`);
    throw new Error(`No ${s.label} available.\n  - ${tried.join('\n  - ')}\n${s.fix}`);
  }
}

function installBeside(server: string, version: string): TemporalServerInstall {
  const dir = path.dirname(server);
  const sqlTool = path.join(dir, 'temporal-sql-tool');
  const postgresSchemaDir = path.join(dir, POSTGRES_SCHEMA_DIR);
  const missing = isExecutable(sqlTool) ? [] : ['temporal-sql-tool'];
  for (const part of ['temporal', 'visibility']) {
    if (!fs.existsSync(path.join(postgresSchemaDir, part, 'versioned'))) missing.push(path.join(POSTGRES_SCHEMA_DIR, part, 'versioned'));
  }
  if (missing.length > 0) {
    throw new Error(`${server}: missing beside it: ${missing.join(', ')} (the layout tools/temporal-server builds)`);
  }
  return { version, server, sqlTool, postgresSchemaDir };
}
