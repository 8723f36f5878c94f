// A page of breach notices keeps the claims it holds fresh while it lives, so the
// next page (a retry after a heartbeat timeout) takes only the claims of a dead
// attempt: not those of one that is alive but was cut off from Temporal, which
// would mail those contacts twice.
import { CLAIM_STALE_MS, createBreachNoticePageActivities } from '../../src/activities/breach-mail-pages';
import type { BreachNotice } from '../../src/domain/breach';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import type { SendBreachNoticePageInput } from '../../src/workflows/breach/activities-contract';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const notice: BreachNotice = {
  nature: 'An unauthorised party accessed a reporting database.',
  impact: 'Names and email addresses may be used for phishing.',
  mitigation: 'We revoked the leaked credential and rotated all keys.',
  contact: 'Dana Privacy, DPO: dpo@example.com',
};
const INCIDENT_ID = 'INC-20261201-claims';
const at = new Date('2026-12-01T08:00:00.000Z');

let database: TestDatabase;
let smtp: TestSmtpServer;
let mailer: Mailer;
let pages: ReturnType<typeof createBreachNoticePageActivities>;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  pages = createBreachNoticePageActivities({ db: database.prisma, mailer, from: 'privacy@example.com', companyName: 'Example Ltd', log: () => undefined });
});
afterAll(async () => {
  await mailer?.close();
  await smtp?.stop();
  await database?.drop();
});

/** A breach with one pending delivery; returns its ids. */
async function breachWithOneContact(name: string, email: string): Promise<{ breachId: string; key: string }> {
  const incidentId = `${INCIDENT_ID}-${name}`;
  const breachId = `${incidentId}-breach`;
  await database.prisma.incident.create({ data: { id: incidentId, title: 'Reporting DB exposure', severity: 'SEV1', declaredBy: 'U-alice', declaredAt: at } });
  await database.prisma.breach.create({
    data: { id: breachId, incidentId, verifiedAt: at, verifiedBy: 'U-dpo', deadline: new Date(at.getTime() + 86_400_000), authorityDeadline: new Date(at.getTime() + 3 * 86_400_000), status: 'sending' },
  });
  const revision = await database.prisma.breachCustomerRevision.create({
    data: {
      breachId,
      customers: 1,
      contacts: 1,
      sha256: '0'.repeat(64),
      createdBy: 'U-dpo',
      rows: { create: [{ customerId: 'C1', position: 1, name: 'Acme Widgets GmbH', contacts: [email], dataAffected: 'Names and business emails of 42 staff' }] },
    },
  });
  const key = `${breachId}:C1:${email}`;
  await database.prisma.breachDelivery.create({ data: { key, breachId, customerId: 'C1', customerName: 'Acme Widgets GmbH', email, status: 'pending', revisionId: revision.id, seq: 1 } });
  return { breachId, key };
}

const page = (breachId: string, extra: Partial<SendBreachNoticePageInput> = {}): SendBreachNoticePageInput => ({
  breachId,
  incidentId: INCIDENT_ID,
  notice,
  verifiedAt: at.toISOString(),
  deadline: new Date(at.getTime() + 86_400_000).toISOString(),
  notBefore: at.toISOString(),
  limit: 200,
  concurrency: 4,
  ...extra,
});

test('a live page renews its claim, and a retried page leaves it alone: one message', async () => {
  const { breachId, key } = await breachWithOneContact('alive', 'alive@acme.example');
  smtp.holdRepliesAfter(smtp.messages.length); // the server keeps the message and does not answer yet
  const first = pages.sendBreachNoticePage(page(breachId));
  await eventually(async () => expect(smtp.heldMessages()).toHaveLength(1));

  // As if its last renewal were long ago: the live page renews it again at its next beat.
  await database.prisma.breachDelivery.update({ where: { key }, data: { claimedAt: new Date(Date.now() - 60 * 60_000) } });
  await eventually(async () => {
    const row = await database.prisma.breachDelivery.findUniqueOrThrow({ where: { key } });
    expect(row.status).toBe('sending');
    expect(Date.now() - (row.claimedAt?.getTime() ?? 0)).toBeLessThan(CLAIM_STALE_MS);
  });

  // The retry the workflow makes after a heartbeat timeout: the claim is fresh, so it is not taken.
  const retried = await pages.sendBreachNoticePage(page(breachId, { takeOverClaims: true }));
  expect(retried).toMatchObject({ sent: 0, failed: 0, counts: { pending: 1, sent: 0 } });

  smtp.releaseReplies();
  await expect(first).resolves.toMatchObject({ sent: 1, counts: { pending: 0, sent: 1 } });
  expect(smtp.countTo('alive@acme.example')).toBe(1);
});

test('a claim nobody has renewed for CLAIM_STALE_MS belongs to a dead attempt and is taken', async () => {
  const { breachId, key } = await breachWithOneContact('dead', 'dead@acme.example');
  const claimedAgo = (ms: number) => database.prisma.breachDelivery.update({ where: { key }, data: { status: 'sending', attempts: 1, claimedAt: new Date(Date.now() - ms) } });

  await claimedAgo(CLAIM_STALE_MS - 1_500);
  expect(await pages.sendBreachNoticePage(page(breachId))).toMatchObject({ sent: 0, counts: { pending: 1 } });
  expect(smtp.countTo('dead@acme.example')).toBe(0);

  await claimedAgo(CLAIM_STALE_MS + 1_000);
  expect(await pages.sendBreachNoticePage(page(breachId))).toMatchObject({ sent: 1, counts: { pending: 0, sent: 1 } });
  expect(smtp.countTo('dead@acme.example')).toBe(1);
  expect(await database.prisma.breachDelivery.findUniqueOrThrow({ where: { key } })).toMatchObject({ status: 'sent', attempts: 2 });
});
