// Issue 10, the production topology tested without Docker: `npm run topology -- --check`
// (scripts/production-topology.ts) runs docker-compose.yml's services as processes: PostgreSQL,
// Temporal's schema made by temporal-sql-tool, the Temporal server built from its Go module on
// PostgreSQL, and Rampart's worker and API apart; an incident declared through the API must be run
// by the worker, kept by Temporal in PostgreSQL, and everything must be gone afterwards.
//
// The server is built once into ~/.cache/rampart (npm run provision does it; ~1 min after the CLI
// build on 2 cores). The test skips only where it cannot be had: nothing cached, no
// TEMPORAL_SERVER_PATH and no Go, unless RAMPART_TOPOLOGY_TEST=1 (then that is a failure).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cachedServerPath } from '../../src/temporal/servers';
import { killAll, processesOf } from '../support/process-table';
import { REPO_ROOT, startTsx, type TsxProcess } from '../support/tsx-process';

jest.setTimeout(30 * 60_000); // a first run may build the server; the script has its own 20 min deadline

function serverObtainable(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.TEMPORAL_SERVER_PATH ?? '').trim() !== '') return true;
  if (existsSync(cachedServerPath('temporal-server', env))) return true;
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, 'go')));
}

const pinnedServerVersion = /go\.temporal\.io\/server (v\S+)/.exec(readFileSync(path.join(REPO_ROOT, 'tools/temporal-server/go.mod'), 'utf8'))?.[1];
const required = ['1', 'true'].includes(process.env.RAMPART_TOPOLOGY_TEST ?? '');
const describeIfObtainable = required || serverObtainable() ? describe : describe.skip;

/** The caller's Rampart and Temporal settings must not leak into the script's processes. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(RAMPART_(?!CACHE_DIR$)|TEMPORAL_(?!SERVER_PATH$)|DATABASE_URL$|SLACK_|SMTP_URL$)/.test(name)) delete env[name];
  }
  return env;
}

let run: TsxProcess | undefined;
afterEach(async () => {
  if (!run) return;
  // The script stops its services itself; this is for a test that failed or timed out: its own
  // group (with PostgreSQL), then each service group it announced.
  const groups = [...run.output().matchAll(/\[topology\] \S+ started \(process group (\d+)\)/g)].map((m) => Number(m[1]));
  await run.kill();
  killAll(groups.flatMap((pgid) => processesOf({ pgid })));
  run = undefined;
});

interface Summary {
  ok: boolean;
  temporalServer: string;
  persistence: string;
  schema: Record<string, string>;
  namespace: string;
  incident: string;
  timeline: string[];
  temporalRows: { currentExecutions: number; visibility: number };
  pollers: string[];
  processes: { temporalServer: number; worker: number; api: number };
}

describeIfObtainable('production topology without Docker', () => {
  it(
    'npm run topology --check: the Temporal server on PostgreSQL (schema by temporal-sql-tool) runs an incident declared through a separate API process on a separate worker, and nothing is left running',
    async () => {
      run = startTsx('scripts/production-topology.ts', { args: ['--check'], env: cleanEnv() });
      const exit = await run.exited;
      const output = run.output();
      const summaryLine = output.split('\n').find((line) => line.startsWith('{"ok"'));
      if (!summaryLine?.includes('"incident"')) throw new Error(`no summary (exit ${exit.code ?? exit.signal}):\n${output.split('\n').slice(-40).join('\n')}`);
      const summary = JSON.parse(summaryLine) as Summary;

      expect(summary).toMatchObject({
        temporalServer: pinnedServerVersion,
        persistence: 'postgres12',
        namespace: 'default',
        // Every versioned step of the schema was applied, not only setup-schema -v 0.0.
        schema: { temporal: expect.stringMatching(/^1\.(1\d|[2-9]\d)$/), temporal_visibility: expect.stringMatching(/^1\.(1\d|[2-9]\d)$/) },
        incident: expect.stringMatching(/^INC-\d{8}-\w+$/),
      });
      // `declared` is recorded by the incident workflow's activity: the worker ran it.
      expect(summary.timeline).toContain('declared');
      // Temporal kept the workflow in PostgreSQL (history and visibility), not in memory or SQLite.
      expect(summary.temporalRows.currentExecutions).toBeGreaterThan(0);
      expect(summary.temporalRows.visibility).toBeGreaterThan(0);
      // Worker and API are separate processes, and only the worker polls the task queue.
      const { temporalServer, worker, api } = summary.processes;
      expect(new Set([temporalServer, worker, api]).size).toBe(3);
      expect(summary.pollers).toEqual(['worker']);
      expect({ ok: summary.ok, code: exit.code }).toEqual({ ok: true, code: 0 });

      // --check stops everything it started and removes its directory.
      // Each service led its own process group (npm, tsx and node for worker and API): all gone.
      for (const pgid of [temporalServer, worker, api]) expect({ pgid, left: processesOf({ pgid }) }).toEqual({ pgid, left: [] });
      const workDir = /\[topology\] working in (\S+)/.exec(output)?.[1];
      expect(workDir).toBeDefined();
      expect(processesOf({ marker: workDir ?? 'unknown' })).toEqual([]);
      expect(existsSync(workDir ?? '/')).toBe(false);
    },
  );
});
