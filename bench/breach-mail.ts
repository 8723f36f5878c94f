// Breach notices per second: the real send activity and SMTP mailer, delivering
// to a loopback SMTP server, with delivery rows in an embedded PostgreSQL. Fails
// (exit 1) if any contact is missed or any Message-ID arrives twice.
//   npm run bench:breach [-- --contacts 10000 --concurrency 20]
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createBreachMailActivities } from '../src/activities/breach-mail';
import { openDatabase } from '../src/app/database';
import { makeTempDataDir } from '../src/db/temp-data-dir';
import type { BreachNotice, SendBreachNoticeInput } from '../src/domain/breach';
import { createMailer } from '../src/mail/mailer';
import { startTestSmtpServer } from '../test/support/smtp';

const args = z
  .object({ contacts: z.coerce.number().int().min(1).default(10_000), concurrency: z.coerce.number().int().min(1).default(20) })
  .parse(parseArgs({ options: { contacts: { type: 'string' }, concurrency: { type: 'string' } } }).values);

const INCIDENT_ID = 'INC-20261122-bench';
const BREACH_ID = `${INCIDENT_ID}-breach`;
const CONTACTS_PER_CUSTOMER = 2;
const notice: BreachNotice = {
  nature: 'An unauthorised party accessed a reporting database between 20 and 21 November.',
  impact: 'Names and email addresses may be used for phishing; no passwords or payment data were exposed.',
  mitigation: 'We revoked the leaked credential, rotated all database keys and added alerting on bulk exports.',
  contact: 'Data Protection Officer: dpo@example.com or +44 20 7946 0958',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function sendInput(i: number): SendBreachNoticeInput {
  const c = Math.floor(i / CONTACTS_PER_CUSTOMER);
  const email = `contact${i}@customer${c}.example`;
  const customer = { id: `C${c + 1}`, name: `Customer ${c + 1} Ltd`, contacts: [email], dataAffected: 'Contact names and business email addresses' };
  return { key: `${BREACH_ID}:${customer.id}:${email}`, breachId: BREACH_ID, incidentId: INCIDENT_ID, customer, email, notice, verifiedAt: new Date().toISOString() };
}

async function main(): Promise<void> {
  const { contacts, concurrency } = args;
  const temp = await makeTempDataDir('rampart-bench-');
  mkdirSync(temp.dataDir, { mode: 0o711 }); // openDatabase keeps PostgreSQL in a subfolder
  const database = await openDatabase({ dataDir: temp.dataDir, log: () => undefined });
  const smtp = await startTestSmtpServer();
  // One pooled SMTP connection per concurrent send, so the pool is not the bottleneck measured.
  const mailer = createMailer({ smtpUrl: `${smtp.smtpUrl}?maxConnections=${concurrency}`, outboxDir: temp.dataDir });
  try {
    const now = new Date();
    await database.db.incident.create({ data: { id: INCIDENT_ID, title: 'bench', severity: 'SEV1', declaredBy: 'bench', declaredAt: now } });
    await database.db.breach.create({
      data: { id: BREACH_ID, incidentId: INCIDENT_ID, verifiedAt: now, verifiedBy: 'bench', deadline: new Date(now.getTime() + 86_400_000), authorityDeadline: new Date(now.getTime() + 3 * 86_400_000), status: 'sending' },
    });
    const { sendBreachNotice } = createBreachMailActivities({ db: database.db, mailer, from: 'Example Ltd Privacy <privacy@example.com>', companyName: 'Example Ltd', log: () => undefined });

    const latencies: number[] = [];
    let notSent = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, contacts) }, async () => {
        while (next < contacts) {
          const input = sendInput(next++);
          const t = performance.now();
          const result = await sendBreachNotice(input);
          latencies.push(performance.now() - t);
          if (result.status !== 'sent') notSent++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    latencies.sort((a, b) => a - b);
    const ids = smtp.messages.map((m) => m.messageId ?? '');
    const duplicates = ids.length - new Set(ids).size;
    const sentRows = await database.db.breachDelivery.count({ where: { breachId: BREACH_ID, status: 'sent' } });
    console.log(`breach notices: ${contacts} contacts, concurrency ${concurrency}, one run on ${os.cpus().length} cores`);
    console.log(`time to all delivered: ${seconds.toFixed(2)} s`);
    console.log(`messages per second:   ${(contacts / seconds).toFixed(1)}`);
    console.log(`received at server:    ${smtp.messages.length}; rows marked sent: ${sentRows}; not sent: ${notSent}`);
    console.log(`duplicates at server:  ${duplicates} (by Message-ID)`);
    console.log(`per-send latency:      p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    if (duplicates > 0 || notSent > 0 || smtp.messages.length !== contacts || sentRows !== contacts) process.exitCode = 1;
  } finally {
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
