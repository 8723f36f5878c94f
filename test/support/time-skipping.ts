// One time-skipping Temporal server per test file, with a worker running the
// real workflow bundle against the given activities.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingEnvironment } from '../../src/temporal/servers';
import { workflowBundle } from '../../src/temporal/worker';
import type { IncidentActivities } from '../../src/workflows/incident/activities-contract';

/**
 * Every time-skipping test starts on the same calendar moment, a Monday 09:00 UTC,
 * so business days, weekdays and holidays give the same answer whatever day the
 * suite runs on (the server would otherwise start at the real time).
 */
export const TEST_EPOCH = new Date('2031-03-03T09:00:00.000Z');

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return startTimeSkippingEnvironment({ startAt: TEST_EPOCH });
}

/**
 * Skips the server's clock to the next given weekday at hh:00 UTC (1 = Monday), for
 * a test that needs a known calendar position after earlier tests in its file moved
 * the shared clock on.
 */
export async function skipToNext(env: TestWorkflowEnvironment, weekday: number, hourUtc: number): Promise<Date> {
  const now = new Date(await env.currentTimeMs());
  const target = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc));
  const days = (weekday - target.getUTCDay() + 7) % 7;
  target.setUTCDate(target.getUTCDate() + days);
  if (target.getTime() <= now.getTime()) target.setUTCDate(target.getUTCDate() + 7);
  // In steps: one long sleep can stall the time-skipping server after earlier work.
  for (let left = target.getTime() - now.getTime(); left > 0; left -= 6 * 3_600_000) {
    await env.sleep(Math.min(left, 6 * 3_600_000));
  }
  return target;
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
