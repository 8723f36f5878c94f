// Shared by the record-*-history scripts: runs a scripted workflow on the
// time-skipping server with the given activities and writes its history as
// JSON for a replay test.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingEnvironment } from '../src/temporal/servers';
import { workflowBundle } from '../src/temporal/worker';

export const RECORD_TASK_QUEUE = 'record';

/** `run` drives one workflow to completion and returns its handle; its history goes to argv[2] or `defaultOut`. */
export function recordHistory(
  defaultOut: string,
  activities: object,
  run: (env: TestWorkflowEnvironment) => Promise<WorkflowHandle>,
): void {
  const out = path.resolve(process.argv[2] ?? defaultOut);
  const main = async (): Promise<void> => {
    const env = await startTimeSkippingEnvironment();
    try {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: RECORD_TASK_QUEUE, workflowBundle: await workflowBundle(), activities });
      await worker.runUntil(async () => {
        const handle = await run(env);
        writeFileSync(out, `${historyToJSON(await handle.fetchHistory())}\n`);
      });
      console.log(`wrote ${out}`);
    } finally {
      await env.teardown();
    }
  };
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
