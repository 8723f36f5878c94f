// Starts both servers through the resolver and runs a trivial workflow on each.
// Run `npm run provision` / `npx tsx scripts/provision-temporal.ts` first on a machine without
// internet, so a first-time build doesn't happen inside these timeouts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { startDevEnvironment, startTimeSkippingEnvironment } from '../../src/temporal/servers';
import type { sleepThenReply } from './fixtures/sleep-workflow';

const TWO_DAYS_MS = 2 * 24 * 60 * 60 * 1000;
let bundle: WorkflowBundle;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // worker state changes are noise here
  // Bundle once for both servers; webpack is the slowest part of starting a worker.
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/sleep-workflow'),
    logger: new DefaultLogger('WARN'),
  });
}, 120_000);

async function runSleep(env: TestWorkflowEnvironment, duration: Duration, reply: string) {
  const taskQueue = `servers-test-${reply}-${process.pid}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
  });
  return worker.runUntil(
    env.client.workflow.execute<typeof sleepThenReply>('sleepThenReply', {
      taskQueue,
      workflowId: `${taskQueue}-${Date.now()}`,
      args: [duration, reply],
    }),
  );
}

it('runs a workflow on the dev server, persisted to SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-dev-server-'));
  const dbFilename = path.join(dir, 'temporal.db');
  const env = await startDevEnvironment({ dbFilename, namespace: 'rampart-test' });
  try {
    expect(env.supportsTimeSkipping).toBe(false);
    const result = await runSleep(env, '200ms', 'dev');
    expect(result.reply).toBe('dev');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(fs.statSync(dbFilename).size).toBeGreaterThan(0);
  } finally {
    await env.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

it('skips two days of workflow time on the time-skipping server in seconds', async () => {
  const env = await startTimeSkippingEnvironment();
  try {
    expect(env.supportsTimeSkipping).toBe(true);
    // Two days of workflow time pass within the test's timeout: only a skipping server can do that.
    const result = await runSleep(env, '2 days', 'time-skipping');
    expect(result.reply).toBe('time-skipping');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(TWO_DAYS_MS);
  } finally {
    await env.teardown();
  }
}, 120_000);
