// A breach worker in a process of its own, so that a test can kill it outright
// (SIGKILL: no drain, no shutdown hook, its connections cut mid-send). It runs
// the real workflow bundle and the real record and mail activities against the
// test's Temporal server, database and SMTP server, all given in the environment.
// Prints "ready" on stdout once it polls. Run it with `node --import tsx`.
import { appendFile } from 'node:fs/promises';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createBreachMailActivities } from '../../src/activities/breach-mail';
import { createBreachRecordActivities } from '../../src/activities/breach-records';
import { createPrismaClient } from '../../src/db/client';
import type { IncidentNotification } from '../../src/domain/notification';
import { createMailer } from '../../src/mail/mailer';
import { workflowBundle } from '../../src/temporal/worker';
import { breachWorkerEnvSchema } from './breach-worker-child';

async function main(): Promise<void> {
  const env = breachWorkerEnvSchema.parse(process.env);
  const db = createPrismaClient(env.BREACH_WORKER_DATABASE_URL);
  const mailer = createMailer({ smtpUrl: env.BREACH_WORKER_SMTP_URL, outboxDir: '/nonexistent' });
  const connection = await NativeConnection.connect({ address: env.BREACH_WORKER_TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: env.BREACH_WORKER_NAMESPACE,
    taskQueue: env.BREACH_WORKER_TASK_QUEUE,
    workflowBundle: env.BREACH_WORKER_BUNDLE_FILE ? { codePath: env.BREACH_WORKER_BUNDLE_FILE } : await workflowBundle(),
    // No sticky queue: the time-skipping server never hands a dead worker's sticky
    // tasks back to the shared queue, so the next worker could not take over.
    maxCachedWorkflows: 0,
    activities: {
      ...createBreachRecordActivities(db),
      ...createBreachMailActivities({
        db,
        mailer,
        from: 'privacy@example.com',
        companyName: 'Example Ltd',
        claimLeaseMs: env.BREACH_WORKER_CLAIM_LEASE_MS,
      }),
      deliverNotification: async (n: IncidentNotification) => {
        await appendFile(env.BREACH_WORKER_NOTIFY_FILE, `${JSON.stringify(n)}\n`);
      },
    },
  });
  process.stdout.write('ready\n');
  await worker.run();
  await mailer.close();
  await db.$disconnect();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`breach worker process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
