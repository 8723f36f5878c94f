// The whole test setup end to end: a real Bolt App (HTTP receiver, signature
// verification on) whose WebClient talks to the fake Slack API, driven by
// signed requests in Slack's wire formats. If this passes, the bot's tests can
// rely on the same pieces.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { blockActions, eventCallback, reactionAdded, sendSigned, slashCommand, urlVerification, viewSubmission, stateValue } from '../support/slack/signed-requests';
import { TEST_BOT_TOKEN } from '../support/slack/slack-ids';
import { eventually } from '../support/eventually';

const SECRET = 'test-signing-secret';
let fake: FakeSlackApi;
let app: App;
let endpoint: string;
const seen: string[] = [];

beforeAll(async () => {
  fake = await startFakeSlackApi({ channels: [{ id: 'C0GENERAL', name: 'general', members: ['U0ALICE01'] }] });
  app = new App({ token: TEST_BOT_TOKEN, signingSecret: SECRET, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } } });
  app.command('/incident', async ({ ack, body, client, respond }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: { type: 'modal', callback_id: 'declare', title: { type: 'plain_text', text: 'Declare' }, blocks: [] },
    });
    await respond({ text: `declaring: ${body.text}`, response_type: 'ephemeral' });
  });
  app.action('ack', async ({ ack, respond, body }) => {
    await ack();
    await respond({ replace_original: false, text: `acked by ${body.user.id}` });
  });
  app.view('declare', async ({ ack, view, client }) => {
    await ack();
    const title = view.state.values.title?.title_input?.value ?? '';
    await client.chat.postMessage({ channel: 'C0GENERAL', text: title, metadata: { event_type: 'incident_declared', event_payload: { title } } });
  });
  app.event('reaction_added', async ({ event }) => {
    seen.push(`${event.reaction}@${event.item.ts}`);
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

test('Bolt verifies the bot token against the fake (auth.test, fired from the constructor, not awaited by start)', async () => {
  await eventually(async () => expect(fake.callsOf('auth.test')).toHaveLength(1));
  // Bolt passes the token as an argument, so WebClient sends it both as Bearer header and as a form field.
  expect(fake.callsOf('auth.test')[0]).toMatchObject({ token: TEST_BOT_TOKEN, tokenSource: 'both', encoding: 'form' });
});

test('a signed slash command opens a modal with the fake-issued trigger and responds via response_url', async () => {
  const responseUrl = fake.responseUrl('cmd-1');
  const triggerId = fake.issueTriggerId('U0ALICE01');
  const res = await sendSigned(endpoint, slashCommand({ text: 'checkout down', userId: 'U0ALICE01', channelId: 'C0GENERAL', triggerId, responseUrl }), SECRET);
  expect(res.status).toBe(200);
  await eventually(async () => expect(fake.responsePosts('cmd-1')).toHaveLength(1));
  expect(fake.callsOf('views.open')[0]?.response).toMatchObject({ ok: true, view: { callback_id: 'declare' } });
  expect(fake.responsePosts('cmd-1')[0]?.body).toEqual({ text: 'declaring: checkout down', response_type: 'ephemeral' });
});

test('a button click and a modal submission reach their listeners', async () => {
  const responseUrl = fake.responseUrl('act-1');
  const click = await sendSigned(endpoint, blockActions({ actionId: 'ack', userId: 'U0ALICE01', channelId: 'C0GENERAL', messageTs: '1700000000.000100', responseUrl }), SECRET);
  expect(click.status).toBe(200);
  await eventually(async () => expect(fake.responsePosts('act-1').map((p) => p.body)).toEqual([{ replace_original: false, text: 'acked by U0ALICE01' }]));

  const submit = viewSubmission({ callbackId: 'declare', userId: 'U0ALICE01', values: { title: { title_input: stateValue.plainText('Checkout down') } } });
  expect((await sendSigned(endpoint, submit, SECRET)).status).toBe(200);
  await eventually(async () => expect(fake.messages('C0GENERAL').map((m) => m.metadata?.event_type)).toEqual(['incident_declared']));
});

test('events: url_verification is answered, event_callback is dispatched, bad signatures are refused', async () => {
  const challenge = await sendSigned(endpoint, urlVerification('chal-9'), SECRET);
  expect(JSON.parse(challenge.text)).toEqual({ challenge: 'chal-9' });

  const event = eventCallback(reactionAdded({ user: 'U0ALICE01', reaction: 'eyes', channel: 'C0GENERAL', ts: '1700000000.000100' }));
  expect((await sendSigned(endpoint, event, SECRET)).status).toBe(200);
  await eventually(async () => expect(seen).toEqual(['eyes@1700000000.000100']));

  expect((await sendSigned(endpoint, event, 'wrong-secret')).status).toBe(401);
  const stale = Math.floor(Date.now() / 1000) - 6 * 60;
  expect((await sendSigned(endpoint, event, SECRET, { timestampSeconds: stale })).status).toBe(401);
});
