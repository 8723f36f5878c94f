// Starts test/support/breach-worker-process.ts as a child process, for tests
// that kill a worker outright instead of letting it drain.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { workflowBundle } from '../../src/temporal/worker';

export const breachWorkerEnvSchema = z.object({
  BREACH_WORKER_TEMPORAL_ADDRESS: z.string().min(1),
  BREACH_WORKER_NAMESPACE: z.string().min(1),
  BREACH_WORKER_TASK_QUEUE: z.string().min(1),
  BREACH_WORKER_DATABASE_URL: z.string().url(),
  BREACH_WORKER_SMTP_URL: z.string().url(),
  BREACH_WORKER_CLAIM_LEASE_MS: z.coerce.number().int().positive(),
  /** Officer notifications are appended here, one JSON line each. */
  BREACH_WORKER_NOTIFY_FILE: z.string().min(1),
  /** A workflow bundle the parent already built (saves bundling again); bundled in the child when absent. */
  BREACH_WORKER_BUNDLE_FILE: z.string().min(1).optional(),
});

export interface BreachWorkerOptions {
  /** host:port of the Temporal server (TestWorkflowEnvironment.address). */
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  smtpUrl: string;
  /** The claim lease of its send activity: short, so that a test need not wait two real minutes. */
  claimLeaseMs: number;
  notifyFile: string;
  bundleFile?: string;
}

function workerEnv(opts: BreachWorkerOptions): Record<string, string> {
  const env: Record<string, string> = {
    BREACH_WORKER_TEMPORAL_ADDRESS: opts.temporalAddress,
    BREACH_WORKER_NAMESPACE: opts.namespace,
    BREACH_WORKER_TASK_QUEUE: opts.taskQueue,
    BREACH_WORKER_DATABASE_URL: opts.databaseUrl,
    BREACH_WORKER_SMTP_URL: opts.smtpUrl,
    BREACH_WORKER_CLAIM_LEASE_MS: String(opts.claimLeaseMs),
    BREACH_WORKER_NOTIFY_FILE: opts.notifyFile,
  };
  if (opts.bundleFile) env.BREACH_WORKER_BUNDLE_FILE = opts.bundleFile;
  breachWorkerEnvSchema.parse(env); // fail here, not in the child
  return env;
}

export interface BreachWorkerChild {
  pid: number;
  /** Kills the process with SIGKILL (no drain, no cleanup) and waits until it is gone. */
  kill(): Promise<void>;
  /** What the process wrote to stderr, for a failing test's message. */
  stderr(): string;
}

const SCRIPT = path.join(__dirname, 'breach-worker-process.ts');
const REPO_ROOT = path.resolve(__dirname, '../..');

/** Writes this process's workflow bundle to `file`, for a child to load instead of bundling again. */
export async function writeWorkflowBundle(file: string): Promise<string> {
  await writeFile(file, (await workflowBundle()).code);
  return file;
}

/** Spawns the worker and resolves once it polls its task queue. */
export async function spawnBreachWorker(opts: BreachWorkerOptions, readyTimeoutMs = 180_000): Promise<BreachWorkerChild> {
  const vars = workerEnv(opts);
  // node itself, not npx or tsx's CLI: a wrapper would take the SIGKILL and leave the worker running.
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the breach worker did not start in time:\n${stderr}`));
    }, readyTimeoutMs);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the breach worker exited before it was ready (${signal ?? code}):\n${stderr}`));
    });
  });
  if (child.pid === undefined) throw new Error('the breach worker has no pid');

  return {
    pid: child.pid,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stderr: () => stderr,
  };
}
