// Builds the Rampart worker: the workflow bundle plus activities wired to
// their dependencies.
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { cachedWorkflowBundle } from './workflow-bundle-cache';

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Reuse one bundle across workers (tests, benchmarks) to skip re-bundling. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /**
   * After shutdown is requested, how long running activities may take to finish
   * before they are cancelled (ms). Unset: the SDK's default, cancelled at once.
   */
  shutdownGraceMs?: number;
  /** The payload codec chain (encryption), the same as the clients'. */
  dataConverter?: DataConverter;
}

/** See createWorker: a cached workflow's task waits this long for its crashed worker. */
export const STICKY_QUEUE_TIMEOUT = '2 seconds';

export const WORKFLOWS_PATH = require.resolve('../workflows');

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (and kept on disk for the next, see workflow-bundle-cache). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundled ??= cachedWorkflowBundle(WORKFLOWS_PATH, quietBundlerLogger);
  return bundled;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await workflowBundle()),
    activities: createActivities(options),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    // A workflow's next task goes to the worker that ran its last one; if that
    // worker crashed, the server waits this long before giving the task to any
    // worker. The SDK's 10 s would stall every breach for 10 s after a crash.
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceTime: options.shutdownGraceMs }),
  });
}
