// One time-skipping Temporal server per test file, with a worker running the
// real workflow bundle against the given activities.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingEnvironment } from '../../src/temporal/servers';
import { workflowBundle } from '../../src/temporal/worker';
import type { IncidentActivities } from '../../src/workflows/incident/activities-contract';

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return startTimeSkippingEnvironment();
}

let queue = 0;
/** Runs `fn` while a worker for a fresh task queue is polling. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: IncidentActivities,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${process.pid}-${(queue += 1)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  return worker.runUntil(fn(taskQueue));
}
