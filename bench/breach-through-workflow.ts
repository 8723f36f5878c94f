// A whole breach through the v2 workflow: the customer list stored by the
// service, approval, every notice sent by the real page activity to a loopback
// SMTP server, PostgreSQL embedded, Temporal time-skipping. Prints the time to
// all delivered, the history's length and its largest event; exits 1 if any
// contact is missed or gets two notices.
//   npm run bench:breach-workflow [-- --contacts 50000]
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { LogConnector } from '../src/activities/connectors/log-connector';
import { openDatabase } from '../src/app/database';
import { BreachService } from '../src/breach/breach-service';
import { makeTempDataDir } from '../src/db/temp-data-dir';
import { createMailer } from '../src/mail/mailer';
import { loadPolicy } from '../src/policy/load';
import { startTimeSkippingEnvironment } from '../src/temporal/servers';
import { createWorker } from '../src/temporal/worker';
import { breachNotificationWorkflowV2 } from '../src/workflows/breach/breach-notification-workflow-v2';
import { breachWorkflowId } from '../src/workflows/breach/messages';
import { breachStateQueryV2 } from '../src/workflows/breach/messages-v2';
import type { BreachStateV2 } from '../src/workflows/breach/state-v2';
import { measureHistory } from '../test/support/history-size';
import { startTestSmtpServer } from '../test/support/smtp';

const args = z
  .object({ contacts: z.coerce.number().int().min(2).default(50_000) })
  .parse(parseArgs({ options: { contacts: { type: 'string' } } }).values);

const INCIDENT_ID = 'INC-20261201-wbench';
const CONTACTS_PER_CUSTOMER = 2;
const notice = {
  nature: 'An unauthorised party accessed a reporting database between 20 and 21 November.',
  impact: 'Names and email addresses may be used for phishing; no passwords or payment data were exposed.',
  mitigation: 'We revoked the leaked credential, rotated all database keys and added alerting on bulk exports.',
  contact: 'Data Protection Officer: dpo@example.com or +44 20 7946 0958',
};

async function main(): Promise<void> {
  // One log line per notice would be most of the work measured.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const temp = await makeTempDataDir('rampart-wbench-');
  mkdirSync(temp.dataDir, { mode: 0o711 });
  const database = await openDatabase({ dataDir: temp.dataDir, log: () => undefined });
  const smtp = await startTestSmtpServer();
  const mailer = createMailer({ smtpUrl: `${smtp.smtpUrl}?maxConnections=20`, outboxDir: temp.dataDir });
  const env = await startTimeSkippingEnvironment({ startAt: new Date('2031-03-03T09:00:00.000Z') });
  const policy = loadPolicy();
  try {
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'bench',
      db: database.db,
      connectors: [new LogConnector(() => undefined)],
      mail: { mailer, from: 'Example Ltd Privacy <privacy@example.com>', companyName: 'Example Ltd' },
    });
    await worker.runUntil(async () => {
      await database.db.incident.create({ data: { id: INCIDENT_ID, title: 'bench', severity: 'SEV1', declaredBy: 'bench', declaredAt: new Date() } });
      const breachId = breachWorkflowId(INCIDENT_ID);
      const verifiedAt = new Date(await env.currentTimeMs()).toISOString();
      const handle = await env.client.workflow.start(breachNotificationWorkflowV2, {
        workflowId: breachId,
        taskQueue: 'bench',
        args: [{ incidentId: INCIDENT_ID, incidentTitle: 'bench', verifiedAt, verifiedBy: 'U-dpo' }, { ...policy.breach, officers: ['U-dpo'] }, {}],
      });
      const customers = Array.from({ length: Math.ceil(args.contacts / CONTACTS_PER_CUSTOMER) }, (_, c) => ({
        name: `Customer ${c + 1} Ltd`,
        contacts: Array.from({ length: CONTACTS_PER_CUSTOMER }, (_, j) => `contact${j}@customer${c}.example`).slice(0, args.contacts - c * CONTACTS_PER_CUSTOMER),
        dataAffected: 'Contact names and business email addresses',
      }));
      const service = new BreachService({ client: env.client, db: database.db });
      const started = performance.now();
      await service.setCustomers(breachId, { actor: 'U-bob', customers });
      await service.setNotice(breachId, { actor: 'U-bob', notice });
      await service.approve(breachId, { actor: 'U-dpo' });
      const approvedMs = performance.now() - started;
      let state: BreachStateV2;
      for (;;) {
        state = (await handle.query(breachStateQueryV2)) as BreachStateV2;
        if (state.status === 'sent') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const deliveredMs = performance.now() - started;
      const size = await measureHistory(env.client, breachId);
      const received = new Map<string, number>();
      for (const m of smtp.messages) for (const to of m.to) received.set(to, (received.get(to) ?? 0) + 1);
      const duplicates = [...received.values()].filter((n) => n > 1).length;
      const missed = customers.flatMap((c) => c.contacts).filter((e) => !received.has(e)).length;
      console.log(
        JSON.stringify(
          {
            contacts: args.contacts,
            listStoredAndApprovedMs: Math.round(approvedMs),
            allDeliveredMs: Math.round(deliveredMs),
            perSecond: Math.round(args.contacts / (deliveredMs / 1000)),
            historyEvents: size.eventsPerRun.reduce((a, b) => a + b, 0),
            runs: size.runs,
            largestEventBytes: size.largestEventBytes,
            largestEventType: size.largestEventType,
            historyBytes: size.totalBytes,
            stateBytes: JSON.stringify(state).length,
            duplicates,
            missed,
          },
          null,
          2,
        ),
      );
      if (duplicates > 0 || missed > 0 || state.deliveries?.sent !== args.contacts) process.exitCode = 1;
    });
  } finally {
    await env.teardown();
    await mailer.close();
    await smtp.stop();
    await database.stop();
    await temp.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
