// Incident workflows completed per second, against a no-op workflow on the
// same Temporal dev server, with the real activities writing to an embedded
// PostgreSQL. One run; the ratio is what to compare between commits.
//   npm run bench [-- --incidents 200 --concurrency 20]
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { openDatabase } from '../src/app/database';
import { makeTempDataDir } from '../src/db/temp-data-dir';
import { createMailer } from '../src/mail/mailer';
import { IncidentService } from '../src/incidents/incident-service';
import { loadPolicy } from '../src/policy/load';
import { startDevEnvironment } from '../src/temporal/servers';
import { noopWorkflow } from './workflows';

const args = z
  .object({ incidents: z.coerce.number().int().min(1).default(200), concurrency: z.coerce.number().int().min(1).default(20) })
  .parse(parseArgs({ options: { incidents: { type: 'string' }, concurrency: { type: 'string' } } }).values);

async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const temp = await makeTempDataDir('rampart-bench-');
  mkdirSync(temp.dataDir, { mode: 0o711 }); // openDatabase keeps PostgreSQL in a subfolder
  const quiet = () => undefined;
  const database = await openDatabase({ dataDir: temp.dataDir, log: quiet });
  const env = await startDevEnvironment();
  try {
    const taskQueue = 'bench';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet } }),
      activities: createActivities({
        db: database.db,
        connectors: [],
        mail: { mailer: createMailer({ outboxDir: `${temp.dataDir}/outbox`, log: quiet }), from: 'bench@example.com', companyName: 'Bench' },
      }),
      maxConcurrentWorkflowTaskExecutions: 100,
    });
    const incidents = new IncidentService({ client: env.client, db: database.db, incidentPolicy: () => loadPolicy().incident, taskQueue });
    await worker.runUntil(async () => {
      const { incidents: n, concurrency } = args;
      const noopSeconds = await pool(n, concurrency, async (i) => {
        await env.client.workflow.execute(noopWorkflow, { workflowId: `noop-${i}`, taskQueue });
      });
      const incidentSeconds = await pool(n, concurrency, async () => {
        const { id } = await incidents.declare({ title: 'bench', severity: 'SEV3', declaredBy: 'bench' });
        await incidents.resolve(id, { actor: 'bench' });
        await incidents.completePostmortem(id, { actor: 'bench', document: '# bench' });
        await incidents.close(id, { actor: 'bench' });
        await env.client.workflow.getHandle(id).result();
      });
      const noopRate = n / noopSeconds;
      const incidentRate = n / incidentSeconds;
      console.log(`workflows: ${n} each, concurrency ${concurrency}, one run on ${os.cpus().length} cores`);
      console.log(`no-op workflow:     ${noopRate.toFixed(1)} completed/s (${noopSeconds.toFixed(2)} s)`);
      console.log(`incident lifecycle: ${incidentRate.toFixed(1)} completed/s (${incidentSeconds.toFixed(2)} s; declare, resolve, postmortem, close)`);
      console.log(`ratio incident/no-op: ${(incidentRate / noopRate).toFixed(3)}`);
    });
  } finally {
    await env.teardown();
    await database.stop();
    await temp.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
