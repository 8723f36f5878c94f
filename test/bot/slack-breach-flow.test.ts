// The breach notice run from Slack, as officers would: buttons on the pinned
// summary, the customer modal with a CSV upload, the notice modal, the preview
// with Approve / Request changes. Signed requests into the bot, a fake Slack on
// loopback, a real Temporal dev server, PostgreSQL and a real SMTP server.
// Each test declares its own incident through the bot and brings its breach as
// far as it needs through the same buttons and modals, so any test runs alone
// or in any order; the stack is shared by the file.
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { BreachService } from '../../src/breach/breach-service';
import { breachWorkflowId } from '../../src/workflows/breach/messages';
import { eventually } from '../support/eventually';
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness, type SlackAnswer } from '../support/slack/bot-harness';
import { stateValue, type ViewSubmissionInput } from '../support/slack/signed-requests';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const BOB = 'U0BOB'; // responder
const DPO = 'U0DPO'; // privacy/security officer

let smtp: TestSmtpServer;
let mailer: Mailer;
let h: BotHarness;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  h = await startBotHarness({
    slack: { users: [BOB, DPO].map((id) => ({ id, name: id.toLowerCase() })) },
    policy: (p) => {
      p.breach.officers = [DPO];
    },
    mailer,
  });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
  await mailer?.close();
  await smtp?.stop();
});

/** One test's incident and its breach. */
interface Breach {
  incidentId: string;
  channelId: string;
  breachId: string;
}

/** Everything the bot said to the asker via response_url, as posted. */
const said = (answer: SlackAnswer) =>
  answer
    .replies()
    .map((r) => JSON.stringify(r.body))
    .join();

/** Presses a button in the incident's channel; returns what the bot answered the presser. */
async function press(user: string, b: Breach, actionId: string, value: string, messageTs = '1.0'): Promise<SlackAnswer> {
  const answer = await h.press(user, b.channelId, actionId, value, messageTs);
  expect(answer.status).toBe(200);
  return answer;
}

const command = (user: string, b: Breach, text: string) => h.command(user, b.channelId, text);

/** The modal the bot showed with this callback id after call number `after` (opened, or filled in after opening). */
async function openedView(callbackId: string, after: number) {
  return eventually(async () => {
    const call = h.slack.calls
      .slice(after)
      .find((c) => ['views.open', 'views.update'].includes(c.method) && (c.args.view as { callback_id?: string }).callback_id === callbackId);
    expect(call).toBeDefined();
    return call!.args.view as { private_metadata: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
  });
}

async function submit(user: string, callbackId: string, privateMetadata: string, values: ViewSubmissionInput['values']) {
  const res = await h.submit({ callbackId, userId: user, privateMetadata, values });
  return { status: res.status, text: res.body };
}

async function summaryBlocks(b: Breach): Promise<string> {
  const { summaryTs } = await h.database.prisma.slackChannel.findUniqueOrThrow({ where: { incidentId: b.incidentId } });
  return JSON.stringify(h.slack.messages(b.channelId).find((m) => m.ts === summaryTs)?.blocks);
}
const channelTexts = (b: Breach) => h.slack.messages(b.channelId).map((m) => m.text);
// Through the service the bot uses: v2 breaches keep customers and deliveries in PostgreSQL.
const breachState = (b: Breach) => new BreachService({ client: h.env.client, db: h.database.prisma }).get(b.breachId);
const previewOf = (b: Breach) => h.slack.messages(b.channelId).find((m) => m.text.startsWith(`Breach notice for ${b.incidentId}`));

const CUSTOMERS_CSV =
  'customer,email,data_affected\nAcme GmbH,it@acme.example,invoices and billing addresses\nAcme GmbH,ceo@acme.example,invoices and billing addresses\n"Globex, Inc.",privacy@globex.example,invoices\n';

const noticeValues = (contact: string) => ({
  nature: { value: stateValue.plainText('A storage bucket holding invoice exports was publicly readable for two days.') },
  impact: { value: stateValue.plainText('Names, billing addresses and invoice amounts could have been read by anyone with the link.') },
  mitigation: { value: stateValue.plainText('The bucket was made private, access logs reviewed, and exports now expire after one hour.') },
  contact: { value: stateValue.plainText(contact) },
});

/** BOB declares a SEV1 incident with personal data through the declare modal. */
async function declareWithPersonalData(title: string): Promise<Breach> {
  const { incidentId, channelId } = await h.declare(BOB, title, { severity: 'SEV1', personalData: true, summary: 'A public bucket held invoices' });
  return { incidentId, channelId, breachId: breachWorkflowId(incidentId) };
}

/** Declared, and the breach verified by the officer with the summary's button. */
async function verifiedBreach(title: string): Promise<Breach> {
  const b = await declareWithPersonalData(title);
  const verified = await press(DPO, b, 'breach_verify', b.incidentId);
  await eventually(async () => expect(said(verified)).toContain('Breach verified'), SLOW_MACHINE_MS);
  await eventually(async () => expect(await summaryBlocks(b)).toContain('breach_customers'), SLOW_MACHINE_MS);
  return b;
}

/** Records two customers with three contacts, pasted into the customer modal. */
async function recordCustomers(b: Breach): Promise<void> {
  const saved = await submit(BOB, 'breach_customers_view', b.breachId, { csv: { value: stateValue.plainText(CUSTOMERS_CSV) } });
  expect(saved.text).toBe('');
  await eventually(async () => expect(channelTexts(b).join('\n')).toContain('recorded 2 affected customer(s), 3 contact(s)'), SLOW_MACHINE_MS);
}

/** Saves a complete notice through the notice modal; returns the preview message. */
async function saveNotice(b: Breach) {
  const saved = await submit(BOB, 'breach_notice_view', b.breachId, noticeValues('Dana Privacy, DPO: dpo@example.com'));
  expect(saved.text).toBe('');
  return eventually(async () => {
    const found = previewOf(b);
    expect(found).toBeDefined();
    return found!;
  }, SLOW_MACHINE_MS);
}

test('the pinned summary offers the breach steps in order; only an officer verifies', async () => {
  const b = await declareWithPersonalData('Billing export leaked');
  const first = await summaryBlocks(b);
  expect(first).toContain('breach_suspect');
  expect(first).toContain('personal data may be involved'); // declared so
  await press(BOB, b, 'breach_suspect', b.incidentId);
  await eventually(async () => expect(await summaryBlocks(b)).toContain('breach_verify'));
  expect(await summaryBlocks(b)).toContain('breach suspected: an officer must');

  const refused = await press(BOB, b, 'breach_verify', b.incidentId);
  await eventually(async () => expect(said(refused)).toMatch(/only a privacy\/security officer may verify/i));

  const verified = await press(DPO, b, 'breach_verify', b.incidentId);
  await eventually(async () => expect(said(verified)).toContain('Breach verified'));
  await eventually(async () => {
    const blocks = await summaryBlocks(b);
    expect(blocks).toContain('breach_customers');
    expect(blocks).toContain('breach_notice');
    expect(blocks).toMatch(/customer notices due <!date\^\d+\^\{date_short_pretty\} \{time\} \(\{ago\}\)/);
  });
});

test('affected customers: a bad list is refused next to the field; an uploaded CSV is fetched with the bot token and recorded', async () => {
  const b = await verifiedBreach('Customer export leaked');
  const before = h.slack.calls.length;
  await press(BOB, b, 'breach_customers', b.incidentId);
  const view = await openedView('breach_customers_view', before);
  expect(view.private_metadata).toBe(b.breachId);
  expect(view.blocks.map((block) => block.block_id)).toEqual(expect.arrayContaining(['file', 'csv']));

  const bad = await submit(BOB, 'breach_customers_view', b.breachId, { csv: { value: stateValue.plainText('customer,email,data_affected\nAcme,not-an-email,names') } });
  expect(JSON.parse(bad.text)).toEqual({ response_action: 'errors', errors: { csv: expect.stringContaining('not an email address') } });
  const noColumn = await submit(BOB, 'breach_customers_view', b.breachId, { csv: { value: stateValue.plainText('name,mail\nAcme,a@acme.example') } });
  expect(JSON.parse(noColumn.text).errors.csv).toContain('"customer" column');

  const file = h.slack.uploadFile({
    name: 'affected.csv',
    userId: BOB,
    content: '\uFEFFcustomer,email,data_affected\r\nAcme GmbH,it@acme.example,invoices and billing addresses\r\nAcme GmbH,ceo@acme.example,invoices and billing addresses\r\n"Globex, Inc.",privacy@globex.example,invoices\r\n',
  });
  const ok = await submit(BOB, 'breach_customers_view', b.breachId, { file: { value: stateValue.files([file]) }, csv: { value: stateValue.plainText(null) } });
  expect(ok.status).toBe(200);
  expect(ok.text).toBe('');
  expect(h.slack.fileDownloads.filter((d) => d.fileId === file.id)).toEqual([{ fileId: file.id, authorized: true }]);
  await eventually(async () => expect(channelTexts(b).join('\n')).toContain('recorded 2 affected customer(s), 3 contact(s) from affected.csv'));
  const state = await breachState(b);
  expect(state.customers.map((c) => [c.name, c.contacts])).toEqual([
    ['Acme GmbH', ['it@acme.example', 'ceo@acme.example']],
    ['Globex, Inc.', ['privacy@globex.example']],
  ]);

  // Opened again, the modal shows the list to edit.
  const again = h.slack.calls.length;
  await command(BOB, b, 'breach customers');
  const edit = await openedView('breach_customers_view', again);
  expect(edit.blocks.find((block) => block.block_id === 'csv')?.element?.initial_value).toContain('"Globex, Inc.",privacy@globex.example,invoices');
});

test('the notice: all four elements required in the modal; the preview shows what customers get; changes can be requested', async () => {
  const b = await verifiedBreach('Invoice archive exposed');
  await recordCustomers(b);
  const before = h.slack.calls.length;
  await command(BOB, b, 'breach notice');
  const view = await openedView('breach_notice_view', before);
  expect(view.blocks.map((block) => block.block_id).filter(Boolean)).toEqual(['nature', 'impact', 'mitigation', 'contact']);

  const incomplete = await submit(BOB, 'breach_notice_view', b.breachId, { ...noticeValues('Our privacy team'), impact: { value: stateValue.plainText('tbd') } });
  const { errors } = JSON.parse(incomplete.text) as { errors: Record<string, string> };
  expect(Object.keys(errors).sort()).toEqual(['contact', 'impact']);
  expect(errors.contact).toContain('email address or a phone number');

  const preview = await saveNotice(b);
  const shown = JSON.stringify(preview.blocks);
  expect(shown).toContain('Names, billing addresses and invoice amounts');
  expect(shown).toContain('Acme GmbH');
  expect(shown).toContain('breach_approve');
  expect(shown).toContain('breach_request_changes');

  const opened = h.slack.calls.length;
  await press(DPO, b, 'breach_request_changes', b.breachId, preview.ts);
  const changes = await openedView('breach_changes_view', opened);
  await submit(DPO, 'breach_changes_view', changes.private_metadata, { comment: { value: stateValue.plainText('Say how long the bucket was public, in hours.') } });
  await eventually(async () => expect(channelTexts(b).join('\n')).toContain('requested changes to the breach notice: Say how long'));
  expect((await breachState(b)).changesRequested?.by).toBe(DPO);
});

test('approval: only an officer; then every contact gets one email, the preview shows who approved, status and the authority clock work', async () => {
  const b = await verifiedBreach('Payment records exposed');
  await recordCustomers(b);
  const preview = await saveNotice(b);
  const refused = await press(BOB, b, 'breach_approve', b.breachId, preview.ts);
  await eventually(async () => expect(said(refused)).toMatch(/only a privacy\/security officer may approve/i));
  expect(smtp.messages).toHaveLength(0);

  await press(DPO, b, 'breach_approve', b.breachId, preview.ts);
  await eventually(async () => expect(channelTexts(b).join('\n')).toContain('approved the breach notice: sending to 3 contact(s) of 2 customer(s)'));
  await eventually(async () => expect((await breachState(b)).status).toBe('sent'));
  for (const email of ['it@acme.example', 'ceo@acme.example', 'privacy@globex.example']) expect(smtp.countTo(email)).toBe(1);
  // The incident hears it from the breach workflow: the channel is told and the pinned summary stops counting down.
  await eventually(async () => expect(await summaryBlocks(b)).toContain('all 3 customer notice(s) delivered'));
  expect(channelTexts(b).join('\n')).toContain('Breach notices: all 3 delivered');
  expect(channelTexts(b).join('\n')).toContain('Breach notice approved; sending to 3 contact(s)');
  const updated = h.slack.callsOf('chat.update').find((c) => c.args.channel === b.channelId && c.args.ts === preview.ts);
  expect(JSON.stringify(updated?.args.blocks)).toContain('approved by <@U0DPO>');
  expect(JSON.stringify(updated?.args.blocks)).not.toContain('breach_approve');

  const status = await command(BOB, b, 'breach status');
  await eventually(async () => expect(said(status)).toContain('delivered 3 of 3'));
  const late = await command(BOB, b, 'breach customers');
  await eventually(async () => expect(said(late)).toMatch(/can no longer change/));
  const authority = await command(DPO, b, 'breach authority ICO-2026-77');
  await eventually(async () => expect(said(authority)).toContain('supervisory authority notified (ref ICO-2026-77)'));
});
