// Builds the Rampart worker: the workflow bundle plus activities wired to
// their dependencies.
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

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
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundled ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
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
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceTime: options.shutdownGraceMs }),
  });
}
