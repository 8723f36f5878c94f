// Rampart's worker as a process of its own (`npm run worker`: src/worker-main.ts,
// RAMPART_RUN=worker) against the run's Temporal, PostgreSQL and SMTP server. It
// leads its own process group, so a SIGKILL reaches the tsx wrapper and the
// worker at once and nothing survives it; an argument naming the run's directory
// lets the final sweep find it even if this process is killed outright.
import { rampartEnv } from '../../test/support/rampart-process';
import { startTsx, type TsxProcess } from '../../test/support/tsx-process';

const WORKER_ENTRY = 'src/worker-main.ts';
const READY = /^rampart: worker running; Ctrl-C to stop$/m;
/** Bundling the workflow code on a busy 2-core machine can take minutes. */
const READY_TIMEOUT_MS = 600_000;
const RESTART_AFTER_UNEXPECTED_EXIT_MS = 1_000;
const START_ATTEMPTS = 3;

export interface WorkerSettings {
  temporalAddress: string;
  databaseUrl: string;
  smtpUrl: string;
  policyFile: string;
  dataDir: string;
  /** On the command line, for the final sweep (processes naming the run's directory). */
  marker: string;
}

export interface WorkerSupervisor {
  /** Starts a worker and resolves once it polls its task queue. */
  start(): Promise<void>;
  /** SIGKILL to the running worker's process group; resolves when every process of it is gone. */
  kill(): Promise<void>;
  /** Whether a worker process is alive now (started, not killed, not exited). */
  alive(): boolean;
  /** Workers that exited without being killed, or never became ready (each is replaced). */
  unexpectedExits(): number;
  /** What the current (or last) worker printed, for a failure's message. */
  lastOutput(): string;
  /** Kills whatever runs and starts nothing more. */
  close(): Promise<void>;
}

export function workerSupervisor(settings: WorkerSettings, log: (line: string) => void): WorkerSupervisor {
  let current: TsxProcess | undefined;
  let lastOutput = '';
  let unexpected = 0;
  let closed = false;
  /** Exits we caused (kill). */
  const expectedExits = new WeakSet<TsxProcess>();
  /** Workers that polled; one that dies before that is start()'s to retry. */
  const readyWorkers = new WeakSet<TsxProcess>();

  const spawnWorker = (): TsxProcess => {
    const env = rampartEnv({
      RAMPART_RUN: 'worker',
      TEMPORAL_ADDRESS: settings.temporalAddress,
      DATABASE_URL: settings.databaseUrl,
      SMTP_URL: settings.smtpUrl,
      RAMPART_POLICY_FILE: settings.policyFile,
      RAMPART_DATA_DIR: settings.dataDir,
    });
    const child = startTsx(WORKER_ENTRY, { env, args: [`--chaos-run=${settings.marker}`] });
    current = child;
    void child.exited.then((exit) => {
      lastOutput = child.output();
      if (current === child) current = undefined;
      if (!readyWorkers.has(child) || expectedExits.has(child) || closed) return;
      // A running worker died of something other than our SIGKILL: say so, count it, replace it.
      unexpected += 1;
      log(`worker ${child.pid} exited by itself (${exit.signal ?? `exit ${exit.code}`}); starting another:\n${tail(lastOutput)}`);
      setTimeout(() => {
        if (!closed && !current) void start().catch((err: unknown) => log(`worker restart failed: ${String(err)}`));
      }, RESTART_AFTER_UNEXPECTED_EXIT_MS);
    });
    return child;
  };

  async function start(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      if (closed) throw new Error('the worker supervisor is closed');
      if (current) throw new Error('a worker is already running');
      const child = spawnWorker();
      try {
        await child.waitFor(READY, READY_TIMEOUT_MS);
        readyWorkers.add(child);
        return;
      } catch (err) {
        expectedExits.add(child);
        await child.kill();
        unexpected += 1;
        if (attempt >= START_ATTEMPTS) throw err;
        log(`worker did not start (${attempt} of ${START_ATTEMPTS}); trying again: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  const kill = async () => {
    const child = current;
    if (!child) return;
    expectedExits.add(child);
    await child.kill();
  };

  return {
    start,
    kill,
    alive: () => current !== undefined,
    unexpectedExits: () => unexpected,
    lastOutput: () => current?.output() ?? lastOutput,
    close: async () => {
      closed = true;
      await kill();
    },
  };
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}
