// On-call runs an incident from Slack: signed requests in Slack's real formats
// into the bot, the bot's Web API calls into a fake Slack on loopback, the
// incident workflow on a real Temporal dev server, records in PostgreSQL.
import { outboxMailer } from '../support/outbox-mailer';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import {
  blockActions,
  eventCallback,
  pinAdded,
  reactionAdded,
  sendSigned,
  slashCommand,
  stateValue,
  viewSubmission,
} from '../support/slack/signed-requests';

const SECRET = 'test-signing-secret';
const ALICE = 'U0ALICE'; // declares; not a responder
const BOB = 'U0BOB'; // acknowledges, becomes commander
const LEAD = 'U0LEAD'; // incident-response group
const ONCALL = 'U0ONCALL';
const GENERAL = 'C0GENERAL';
const ONCALL_CHANNEL = 'C0ONCALLCH';

let slack: FakeSlackApi;
let database: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Stack;
let url: string;

beforeAll(async () => {
  slack = await startFakeSlackApi({
    users: [ALICE, BOB, LEAD, ONCALL].map((id) => ({ id, name: id.toLowerCase() })),
    channels: [
      { id: GENERAL, name: 'general' },
      { id: ONCALL_CHANNEL, name: 'oncall' },
    ],
    // Trigger ids expire with the user's next action, not after 3 s of real time.
    triggerExpiry: 'next-trigger',
  });
  database = await createTestDatabase();
  env = await startDevEnvironment();
  const policy = loadPolicy();
  policy.incident.responders = [LEAD];
  policy.slack.onCallUsers = [ONCALL];
  policy.slack.escalationTargets = { 'on-call': ONCALL_CHANNEL };
  stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `slack-test-${process.pid}`,
    policy,
    connectors: [],
    mailer: outboxMailer(),
    run: 'all',
    slack: { botToken: 'xoxb-test', signingSecret: SECRET, port: 0, host: '127.0.0.1', slackApiUrl: slack.url },
  });
  url = stack.slackUrl ?? '';
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
  await database?.drop();
  await slack?.stop();
});

let responses = 0;
/** Runs a slash command; returns the HTTP answer and what the bot said via response_url. */
async function command(user: string, channel: string, text: string) {
  const id = `r${(responses += 1)}`;
  const res = await sendSigned(
    url,
    slashCommand({ userId: user, channelId: channel, text, triggerId: slack.issueTriggerId(user), responseUrl: slack.responseUrl(id) }),
    SECRET,
  );
  return { status: res.status, body: res.text, replies: () => slack.responsePosts(id).map((p) => JSON.stringify(p.body)) };
}

const texts = (channel: string) => slack.messages(channel).map((m) => m.text);

let channelId = '';
let incidentId = '';

test('declare: the modal opens, submitting starts the incident, its channel is created with people invited and a pinned summary', async () => {
  const declared = await command(ALICE, GENERAL, 'declare Checkout returns 500');
  expect(declared.status).toBe(200);
  const opened = await eventually(async () => {
    const call = slack.callsOf('views.open')[0];
    expect(call).toBeDefined();
    return call!;
  });
  const view = opened.args.view as { callback_id: string; blocks: { block_id: string }[] };
  expect(view.callback_id).toBe('incident_declare');

  const submitted = await sendSigned(
    url,
    viewSubmission({
      callbackId: 'incident_declare',
      userId: ALICE,
      values: {
        title: { value: stateValue.plainText('Checkout returns 500') },
        severity: { value: stateValue.staticSelect('SEV2') },
        summary: { value: stateValue.plainText('Card payments fail for EU customers') },
        personal_data: { value: stateValue.staticSelect('no') },
      },
    }),
    SECRET,
  );
  expect(submitted.status).toBe(200);

  const row = await eventually(async () => {
    const found = await database.prisma.slackChannel.findFirst({ include: { incident: true } });
    expect(found?.summaryTs).toBeTruthy();
    return found!;
  });
  channelId = row.channelId;
  incidentId = row.incidentId;
  expect(row.name).toMatch(/^inc-\d{8}-checkout-returns-500-[a-z0-9]+$/);
  expect(row.incident.declaredBy).toBe(ALICE);

  const invited = slack.callsOf('conversations.invite').map((c) => c.args.users);
  expect(invited.sort()).toEqual([ALICE, ONCALL].sort());
  expect(slack.callsOf('pins.add').map((c) => c.args.timestamp)).toEqual([row.summaryTs]);
  const summary = slack.messages(channelId).find((m) => m.ts === row.summaryTs);
  expect(summary?.text).toContain('[SEV2, declared] Checkout returns 500');
  expect(JSON.stringify(summary?.blocks)).toContain('incident_acknowledge');
  const dm = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === ALICE);
  expect(dm.map((c) => c.args.text).join('\n')).toContain(`Declared ${incidentId}`);
});

test('only the commander or the response group may change severity; ack makes a commander', async () => {
  const denied = await command(ALICE, channelId, 'severity SEV1');
  expect(denied.status).toBe(200);
  await eventually(async () => expect(denied.replies().join()).toContain('Only the commander'));

  const ack = await command(BOB, channelId, 'ack');
  await eventually(async () => expect(ack.replies().join()).toContain(`Acknowledged ${incidentId}`));
  const raised = await command(BOB, channelId, 'severity SEV1');
  await eventually(async () => expect(raised.replies().join()).toContain('is now SEV1'));

  await eventually(async () => {
    const summary = slack.messages(channelId).find((m) => m.text.startsWith(incidentId));
    expect(summary?.text).toContain('[SEV1, declared]');
    expect(JSON.stringify(summary?.blocks)).toContain(`<@${BOB}>`);
  });
  expect(texts(channelId).join('\n')).toContain(`<@${BOB}>: Severity SEV2 -> SEV1`);
});

test('a status update is posted once even when Slack rate-limits the first attempt', async () => {
  slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  await command(BOB, channelId, 'status Rolled back the payment service; error rate falling');
  await eventually(async () => {
    expect(texts(channelId).filter((t) => t.includes('Rolled back the payment service'))).toHaveLength(1);
  }, 20_000);
  const limited = slack.callsOf('chat.postMessage').filter((c) => c.status === 429);
  expect(limited).toHaveLength(1);
});

test('pinned and marked messages become timeline entries, once each', async () => {
  const message = { ts: '1795300000.000100', text: 'Error rate graph: https://grafana/d/abc', user: ALICE };
  slack.state.addMessage(channelId, { ...message, type: 'message' } as never);
  await sendSigned(url, eventCallback(pinAdded({ user: ALICE, channel: channelId, message })), SECRET);
  await sendSigned(url, eventCallback(reactionAdded({ user: BOB, reaction: 'pushpin', channel: channelId, ts: message.ts })), SECRET);
  await eventually(async () => {
    const notes = await database.prisma.timelineEntry.findMany({ where: { incidentId, kind: 'note' } });
    expect(notes.map((n) => n.text)).toEqual([`Pinned: <@${ALICE}> Error rate graph: https://grafana/d/abc`]);
  });
});

test('the timeline and the list are shown to the asker', async () => {
  const timeline = await command(BOB, channelId, 'timeline');
  await eventually(async () => expect(timeline.replies().join()).toContain(`Timeline of ${incidentId}`));
  expect(timeline.replies().join()).toContain('Rolled back the payment service');

  const list = await command(ALICE, GENERAL, 'list');
  await eventually(async () => expect(list.replies().join()).toContain(incidentId));
  expect(list.replies().join()).toContain('SEV1');
});

test('resolve posts a postmortem draft; follow-up actions are tracked with a Done button until closed', async () => {
  const resolved = await command(LEAD, channelId, 'resolve payments back to normal');
  expect(resolved.status).toBe(200);
  const draft = await eventually(async () => {
    const found = texts(channelId).find((t) => t.includes('Postmortem draft'));
    expect(found).toBeDefined();
    return found!;
  });
  for (const section of ['# Postmortem:', '## Summary', '## Impact', '## Timeline', '## Contributing factors', '## Follow-up actions']) {
    expect(draft).toContain(section);
  }
  expect(draft).toContain('Card payments fail for EU customers');
  expect(draft).toContain('Rolled back the payment service');

  await command(BOB, channelId, 'action add Alert on payment provider error rate');
  const actionMessage = await eventually(async () => {
    const found = slack.messages(channelId).find((m) => m.text.includes('Follow-up A1'));
    expect(found).toBeDefined();
    return found!;
  });
  const done = await sendSigned(
    url,
    blockActions({ actionId: 'incident_action_done', value: `${incidentId}|A1`, userId: BOB, channelId, messageTs: actionMessage.ts }),
    SECRET,
  );
  expect(done.status).toBe(200);
  await eventually(async () => {
    const action = await database.prisma.followUpAction.findFirst({ where: { incidentId } });
    expect(action?.doneAt).toBeInstanceOf(Date);
  });

  const early = await command(LEAD, channelId, 'close');
  await eventually(async () => expect(early.replies().join()).toContain('postmortem must be completed'));
  await command(BOB, channelId, 'postmortem done https://docs.example/pm-checkout');
  const closed = await command(BOB, channelId, 'close');
  await eventually(async () => expect(closed.replies().join()).toContain(`${incidentId} is closed`));
  const row = await database.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
  expect(row.status).toBe('CLOSED');
});

test('nothing was created twice', async () => {
  expect(slack.callsOf('conversations.create').filter((c) => c.status === 200)).toHaveLength(1);
  const summaries = slack.messages(channelId).filter((m) => m.text.startsWith(incidentId));
  expect(summaries).toHaveLength(1);
  const kinds = await database.prisma.timelineEntry.findMany({ where: { incidentId }, select: { kind: true } });
  expect(kinds.filter((k) => k.kind === 'status_update')).toHaveLength(1);
});

test('plain-words errors: bad input, wrong channel, bad signature', async () => {
  const bad = await command(BOB, GENERAL, 'severity SEV9');
  expect(bad.status).toBe(200);
  expect(bad.body).toContain('is not a severity');

  const unknown = await command(BOB, GENERAL, 'dance');
  expect(unknown.body).toContain('unknown command');

  const wrongPlace = await command(BOB, GENERAL, 'ack');
  await eventually(async () => expect(wrongPlace.replies().join()).toContain('not an incident channel'));

  const forged = await sendSigned(url, slashCommand({ userId: BOB, channelId: GENERAL, text: 'list' }), 'wrong-secret');
  expect(forged.status).toBe(401);
});

test('reminders and escalations go to the incident channel and the escalation target, once, even after a crash between post and record', async () => {
  const { SlackConnector } = await import('../../src/activities/connectors/slack-connector');
  const { createSlackWebClient } = await import('../../src/slack/web-client');
  const policy = loadPolicy();
  policy.slack.escalationTargets = { 'on-call': ONCALL_CHANNEL };
  const connector = new SlackConnector(createSlackWebClient('xoxb-test', slack.url), database.prisma, policy.slack);
  const notification = {
    eventId: `${incidentId}:99:notify`,
    incidentId,
    kind: 'ack_escalation' as const,
    audience: ['incident-channel', 'on-call'],
    text: `${incidentId} (SEV1) has not been acknowledged 15 min after it was declared; escalating to on-call.`,
  };
  await connector.deliver(notification);
  await connector.deliver(notification); // an activity retry
  // A crash after posting but before recording: the message is found again by its metadata.
  await database.prisma.slackPost.deleteMany({ where: { key: { startsWith: notification.eventId } } });
  await connector.deliver(notification);

  const inChannel = texts(channelId).filter((t) => t.includes('has not been acknowledged'));
  const inOnCall = texts(ONCALL_CHANNEL).filter((t) => t.includes('has not been acknowledged'));
  expect(inChannel).toHaveLength(1);
  expect(inOnCall).toHaveLength(1);
  expect(inOnCall[0]).toContain(`<#${channelId}>`);
});
