// Issue 10: a breach of 50,000 contacts approved through the real paths a user
// takes: a CSV uploaded to the API, and a CSV file uploaded in the Slack modal.
// Before, a 20,000-row list made the workflow fail in a loop (PayloadsTooLarge).
// Here each is approved, the workflow opens every delivery and starts sending,
// and the breach's and the incident's histories stay far below Temporal's limits:
// the largest event and the event counts are reported and checked. (Sending all
// of them is the benchmark's job, `npm run bench:breach-workflow`; 5,000 are
// sent to the end in breach-bounded-history.test.ts.)
import { BreachService } from '../../src/breach/breach-service';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { breachWorkflowId } from '../../src/workflows/breach/messages';
import { breachStateQueryV2 } from '../../src/workflows/breach/messages-v2';
import type { BreachStateV2 } from '../../src/workflows/breach/state-v2';
import { eventually } from '../support/eventually';
import { measureHistory } from '../support/history-size';
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness } from '../support/slack/bot-harness';
import { stateValue } from '../support/slack/signed-requests';
import { call } from '../support/stack';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

jest.setTimeout(900_000);

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const DPO = 'U0DPO';
const CONTACTS = 50_000;
/** Temporal refuses a payload over 2 MB; the default history limit is 51,200 events. */
const PAYLOAD_LIMIT = 2 * 1024 * 1024;
const EVENT_LIMIT = 51_200;

const NOTICE = {
  nature: 'A storage bucket holding invoice exports was publicly readable for 40 hours.',
  impact: 'Names, billing addresses and invoice amounts could have been read by anyone with the link.',
  mitigation: 'The bucket was made private and exports now expire after one hour.',
  contact: 'Dana Privacy, DPO: dpo@example.com',
};

/** 25,000 customers with two contacts each: about 2.9 MB of CSV. */
function bigCsv(tag: string): string {
  const rows = ['customer,email,data_affected'];
  for (let i = 1; i <= CONTACTS / 2; i += 1) {
    rows.push(`Customer ${tag}${i} Ltd,billing@c${i}.${tag}.example,"names, billing addresses"`);
    rows.push(`Customer ${tag}${i} Ltd,it@c${i}.${tag}.example,"names, billing addresses"`);
  }
  return `${rows.join('\r\n')}\r\n`;
}

let smtp: TestSmtpServer;
let mailer: Mailer;
let h: BotHarness;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  h = await startBotHarness({
    slack: { users: [ALICE, BOB, DPO].map((id) => ({ id, name: id.toLowerCase() })) },
    policy: (p) => {
      p.slack.onCallUsers = [];
      p.breach.officers = [DPO];
    },
    mailer,
    api: true,
  });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
  await mailer?.close();
  await smtp?.stop();
});

async function verifiedBreach(title: string) {
  const { incidentId, channelId } = await h.declare(ALICE, title, { personalData: true });
  await h.stack.incidents.verifyBreach(incidentId, { actor: DPO });
  return { incidentId, channelId, breachId: breachWorkflowId(incidentId) };
}

/** Sending has started (the first page went out); then the sizes of both histories, checked. */
async function expectSmallHistories(incidentId: string, breachId: string): Promise<void> {
  const handle = h.env.client.workflow.getHandle(breachId);
  const state = await eventually(async () => {
    const s = (await handle.query(breachStateQueryV2)) as BreachStateV2;
    expect(s.deliveries?.total).toBe(CONTACTS);
    expect(s.deliveries?.sent).toBeGreaterThan(0);
    return s;
  }, 300_000);
  expect(JSON.stringify(state).length).toBeLessThan(8_192);
  for (const id of [breachId, incidentId]) {
    const size = await measureHistory(h.env.client, id);
    console.log(`${CONTACTS} contacts, ${id}: ${JSON.stringify(size)}`);
    expect(size.largestEventBytes).toBeLessThan(PAYLOAD_LIMIT / 20);
    expect(Math.max(...size.eventsPerRun)).toBeLessThan(EVENT_LIMIT / 20);
  }
  await handle.terminate('the test has seen what it needs; sending every notice is the benchmark’s job');
}

test('50,000 contacts as a CSV to the API: recorded, approved, sending, and both histories stay small', async () => {
  const { incidentId, breachId } = await verifiedBreach('Big export leaked (API)');
  const put = await fetch(`${h.apiUrl}/breaches/${breachId}/customers?actor=${BOB}`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: bigCsv('api') });
  const recorded = (await put.json()) as { page: { customers: number; contacts: number }; customers: unknown[] };
  expect(put.status).toBe(200);
  expect(recorded.page).toMatchObject({ customers: CONTACTS / 2, contacts: CONTACTS });
  expect(recorded.customers).toHaveLength(100);
  expect((await call(h.apiUrl, 'PUT', `/breaches/${breachId}/notice`, { actor: BOB, notice: NOTICE })).status).toBe(200);
  const approved = await call(h.apiUrl, 'POST', `/breaches/${breachId}/approve`, { actor: DPO });
  expect(approved.status).toBe(200);
  expect(approved.body.page).toMatchObject({ deliveries: CONTACTS });
  await expectSmallHistories(incidentId, breachId);
});

test('50,000 contacts as a CSV file in the Slack modal: recorded, approved by command, sending, and both histories stay small', async () => {
  const { incidentId, channelId, breachId } = await verifiedBreach('Big export leaked (Slack)');
  const file = h.slack.uploadFile({ name: 'affected.csv', userId: BOB, content: bigCsv('slack') });
  const saved = await h.submit({
    callbackId: 'breach_customers_view',
    userId: BOB,
    privateMetadata: breachId,
    values: { file: { value: stateValue.files([file]) }, csv: { value: stateValue.plainText(null) } },
  });
  expect(saved).toEqual({ status: 200, body: '' });
  await eventually(
    async () => expect(h.slack.messages(channelId).map((m) => m.text).join('\n')).toContain(`recorded ${CONTACTS / 2} affected customer(s), ${CONTACTS} contact(s) from affected.csv`),
    300_000,
  );
  await new BreachService({ client: h.env.client, db: h.database.prisma }).setNotice(breachId, { actor: BOB, notice: NOTICE });
  const approved = await h.command(DPO, channelId, 'breach approve');
  expect(approved.status).toBe(200);
  await eventually(
    async () => expect(h.slack.messages(channelId).map((m) => m.text).join('\n')).toContain(`approved the breach notice: sending to ${CONTACTS} contact(s) of ${CONTACTS / 2} customer(s)`),
    300_000,
  );
  await expectSmallHistories(incidentId, breachId);
});
