// The breach notice run from Slack, as officers would: buttons on the pinned
// summary, the customer modal with a CSV upload, the notice modal, the preview
// with Approve / Request changes. Signed requests into the bot, a fake Slack on
// loopback, a real Temporal dev server, PostgreSQL and a real SMTP server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { breachStateQuery, breachWorkflowId } from '../../src/workflows/breach/messages';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { blockActions, sendSigned, slashCommand, stateValue, viewSubmission } from '../support/slack/signed-requests';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';

const SECRET = 'test-signing-secret';
const BOB = 'U0BOB'; // responder
const DPO = 'U0DPO'; // privacy/security officer

let slack: FakeSlackApi;
let database: TestDatabase;
let env: TestWorkflowEnvironment;
let smtp: TestSmtpServer;
let mailer: Mailer;
let stack: Stack;
let url: string;
let incidentId = '';
let channelId = '';
let breachId = '';

beforeAll(async () => {
  // Trigger ids expire with the user's next action, not after 3 s of real time.
  slack = await startFakeSlackApi({ users: [BOB, DPO].map((id) => ({ id, name: id.toLowerCase() })), triggerExpiry: 'next-trigger' });
  database = await createTestDatabase();
  env = await startDevEnvironment();
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  const policy = loadPolicy();
  policy.breach.officers = [DPO];
  stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `slack-breach-${process.pid}`,
    policy,
    connectors: [],
    mailer,
    run: 'all',
    slack: { botToken: 'xoxb-test', signingSecret: SECRET, port: 0, host: '127.0.0.1', slackApiUrl: slack.url },
  });
  url = stack.slackUrl ?? '';
  const incident = await stack.incidents.declare({ title: 'Billing export leaked', severity: 'SEV1', summary: 'A public bucket held invoices', personalData: true, declaredBy: BOB });
  incidentId = incident.id;
  breachId = breachWorkflowId(incidentId);
  const row = await eventually(async () => {
    const found = await database.prisma.slackChannel.findUnique({ where: { incidentId } });
    expect(found?.summaryTs).toBeTruthy();
    return found!;
  });
  channelId = row.channelId;
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
  await mailer?.close();
  await smtp?.stop();
  await database?.drop();
  await slack?.stop();
});

let n = 0;
/** Presses a button; returns what the bot answered the presser (via response_url). */
async function press(user: string, actionId: string, value: string, messageTs = '1.0') {
  const id = `b${(n += 1)}`;
  const triggerId = slack.issueTriggerId(user);
  const res = await sendSigned(url, blockActions({ actionId, value, userId: user, channelId, messageTs, triggerId, responseUrl: slack.responseUrl(id) }), SECRET);
  expect(res.status).toBe(200);
  return { replies: () => slack.responsePosts(id).map((p) => JSON.stringify(p.body)) };
}

async function command(user: string, text: string) {
  const id = `c${(n += 1)}`;
  const res = await sendSigned(url, slashCommand({ userId: user, channelId, text, triggerId: slack.issueTriggerId(user), responseUrl: slack.responseUrl(id) }), SECRET);
  return { status: res.status, body: res.text, replies: () => slack.responsePosts(id).map((p) => JSON.stringify(p.body)) };
}

/** The modal the bot showed with this callback id after call number `after` (opened, or filled in after opening). */
async function openedView(callbackId: string, after: number) {
  return eventually(async () => {
    const call = slack.calls
      .slice(after)
      .find((c) => ['views.open', 'views.update'].includes(c.method) && (c.args.view as { callback_id?: string }).callback_id === callbackId);
    expect(call).toBeDefined();
    return call!.args.view as { private_metadata: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
  });
}

const submit = (user: string, callbackId: string, privateMetadata: string, values: Parameters<typeof viewSubmission>[0]['values']) =>
  sendSigned(url, viewSubmission({ callbackId, userId: user, privateMetadata, values }), SECRET);

async function summaryBlocks(): Promise<string> {
  const { summaryTs } = await database.prisma.slackChannel.findUniqueOrThrow({ where: { incidentId } });
  return JSON.stringify(slack.messages(channelId).find((m) => m.ts === summaryTs)?.blocks);
}
const channelTexts = () => slack.messages(channelId).map((m) => m.text);
const breach = () => env.client.workflow.getHandle(breachId).query(breachStateQuery);

test('the pinned summary offers the breach steps in order; only an officer verifies', async () => {
  const first = await summaryBlocks();
  expect(first).toContain('breach_suspect');
  expect(first).toContain('personal data may be involved'); // declared so
  await press(BOB, 'breach_suspect', incidentId);
  await eventually(async () => expect(await summaryBlocks()).toContain('breach_verify'));
  expect(await summaryBlocks()).toContain('breach suspected: an officer must');

  const refused = await press(BOB, 'breach_verify', incidentId);
  await eventually(async () => expect(refused.replies().join()).toMatch(/only a privacy\/security officer may verify/i));

  const verified = await press(DPO, 'breach_verify', incidentId);
  await eventually(async () => expect(verified.replies().join()).toContain('Breach verified'));
  await eventually(async () => {
    const blocks = await summaryBlocks();
    expect(blocks).toContain('breach_customers');
    expect(blocks).toContain('breach_notice');
    expect(blocks).toMatch(/customer notices due <!date\^\d+\^\{date_short_pretty\} \{time\} \(\{ago\}\)/);
  });
});

test('affected customers: a bad list is refused next to the field; an uploaded CSV is fetched with the bot token and recorded', async () => {
  const before = slack.calls.length;
  await press(BOB, 'breach_customers', incidentId);
  const view = await openedView('breach_customers_view', before);
  expect(view.private_metadata).toBe(breachId);
  expect(view.blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining(['file', 'csv']));

  const bad = await submit(BOB, 'breach_customers_view', breachId, { csv: { value: stateValue.plainText('customer,email,data_affected\nAcme,not-an-email,names') } });
  expect(JSON.parse(bad.text)).toEqual({ response_action: 'errors', errors: { csv: expect.stringContaining('not an email address') } });
  const noColumn = await submit(BOB, 'breach_customers_view', breachId, { csv: { value: stateValue.plainText('name,mail\nAcme,a@acme.example') } });
  expect(JSON.parse(noColumn.text).errors.csv).toContain('"customer" column');

  const file = slack.uploadFile({
    name: 'affected.csv',
    userId: BOB,
    content: '\uFEFFcustomer,email,data_affected\r\nAcme GmbH,it@acme.example,invoices and billing addresses\r\nAcme GmbH,ceo@acme.example,invoices and billing addresses\r\n"Globex, Inc.",privacy@globex.example,invoices\r\n',
  });
  const ok = await submit(BOB, 'breach_customers_view', breachId, { file: { value: stateValue.files([file]) }, csv: { value: stateValue.plainText(null) } });
  expect(ok.status).toBe(200);
  expect(ok.text).toBe('');
  expect(slack.fileDownloads).toEqual([{ fileId: file.id, authorized: true }]);
  await eventually(async () => expect(channelTexts().join('\n')).toContain('recorded 2 affected customer(s), 3 contact(s) from affected.csv'));
  const b = await breach();
  expect(b.customers.map((c) => [c.name, c.contacts])).toEqual([
    ['Acme GmbH', ['it@acme.example', 'ceo@acme.example']],
    ['Globex, Inc.', ['privacy@globex.example']],
  ]);

  // Opened again, the modal shows the list to edit.
  const again = slack.calls.length;
  await command(BOB, 'breach customers');
  const edit = await openedView('breach_customers_view', again);
  expect(edit.blocks.find((b) => b.block_id === 'csv')?.element?.initial_value).toContain('"Globex, Inc.",privacy@globex.example,invoices');
});

test('the notice: all four elements required in the modal; the preview shows what customers get; changes can be requested', async () => {
  const before = slack.calls.length;
  await command(BOB, 'breach notice');
  const view = await openedView('breach_notice_view', before);
  expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual(['nature', 'impact', 'mitigation', 'contact']);

  const values = (contact: string) => ({
    nature: { value: stateValue.plainText('A storage bucket holding invoice exports was publicly readable for two days.') },
    impact: { value: stateValue.plainText('Names, billing addresses and invoice amounts could have been read by anyone with the link.') },
    mitigation: { value: stateValue.plainText('The bucket was made private, access logs reviewed, and exports now expire after one hour.') },
    contact: { value: stateValue.plainText(contact) },
  });
  const incomplete = await submit(BOB, 'breach_notice_view', breachId, { ...values('Our privacy team'), impact: { value: stateValue.plainText('tbd') } });
  const { errors } = JSON.parse(incomplete.text) as { errors: Record<string, string> };
  expect(Object.keys(errors).sort()).toEqual(['contact', 'impact']);
  expect(errors.contact).toContain('email address or a phone number');

  const saved = await submit(BOB, 'breach_notice_view', breachId, values('Dana Privacy, DPO: dpo@example.com'));
  expect(saved.text).toBe('');
  const preview = await eventually(async () => {
    const found = slack.messages(channelId).find((m) => m.text.startsWith(`Breach notice for ${incidentId}`));
    expect(found).toBeDefined();
    return found!;
  });
  const shown = JSON.stringify(preview.blocks);
  expect(shown).toContain('Names, billing addresses and invoice amounts');
  expect(shown).toContain('Acme GmbH');
  expect(shown).toContain('breach_approve');
  expect(shown).toContain('breach_request_changes');

  const opened = slack.calls.length;
  await press(DPO, 'breach_request_changes', breachId, preview.ts);
  const changes = await openedView('breach_changes_view', opened);
  await submit(DPO, 'breach_changes_view', changes.private_metadata, { comment: { value: stateValue.plainText('Say how long the bucket was public, in hours.') } });
  await eventually(async () => expect(channelTexts().join('\n')).toContain('requested changes to the breach notice: Say how long'));
  expect((await breach()).changesRequested?.by).toBe(DPO);
});

test('approval: only an officer; then every contact gets one email, the preview shows who approved, status and the authority clock work', async () => {
  const preview = slack.messages(channelId).find((m) => m.text.startsWith(`Breach notice for ${incidentId}`))!;
  const refused = await press(BOB, 'breach_approve', breachId, preview.ts);
  await eventually(async () => expect(refused.replies().join()).toMatch(/only a privacy\/security officer may approve/i));
  expect(smtp.messages).toHaveLength(0);

  await press(DPO, 'breach_approve', breachId, preview.ts);
  await eventually(async () => expect(channelTexts().join('\n')).toContain('approved the breach notice: sending to 3 contact(s) of 2 customer(s)'));
  await eventually(async () => expect((await breach()).status).toBe('sent'));
  for (const email of ['it@acme.example', 'ceo@acme.example', 'privacy@globex.example']) expect(smtp.countTo(email)).toBe(1);
  // The incident hears it from the breach workflow: the channel is told and the pinned summary stops counting down.
  await eventually(async () => expect(await summaryBlocks()).toContain('all 3 customer notice(s) delivered'));
  expect(channelTexts().join('\n')).toContain('Breach notices: all 3 delivered');
  expect(channelTexts().join('\n')).toContain('Breach notice approved; sending to 3 contact(s)');
  const updated = slack.callsOf('chat.update').find((c) => c.args.ts === preview.ts);
  expect(JSON.stringify(updated?.args.blocks)).toContain('approved by <@U0DPO>');
  expect(JSON.stringify(updated?.args.blocks)).not.toContain('breach_approve');

  const status = await command(BOB, 'breach status');
  await eventually(async () => expect(status.replies().join()).toContain('delivered 3 of 3'));
  const late = await command(BOB, 'breach customers');
  await eventually(async () => expect(late.replies().join()).toMatch(/can no longer change/));
  const authority = await command(DPO, 'breach authority ICO-2026-77');
  await eventually(async () => expect(authority.replies().join()).toContain('supervisory authority notified (ref ICO-2026-77)'));
});
