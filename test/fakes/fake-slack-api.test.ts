// The fake Slack Web API, exercised through a real @slack/web-api WebClient so
// that what it accepts and answers is what the bot's client really sends and
// expects.
import { WebClient, type ConversationsListResponse, type WebAPIPlatformError } from '@slack/web-api';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { silentSlackLogger } from '../support/slack/silent-logger';
import { TEST_APP, TEST_BOT_TOKEN } from '../support/slack/slack-ids';

let fake: FakeSlackApi;
let slack: WebClient;

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [
      { id: 'U0ALICE01', name: 'alice', realName: 'Alice Example', tz: 'Europe/Berlin', email: 'alice@example.com' },
      { id: 'U0BOB0001', name: 'bob', tz: 'America/Los_Angeles' },
    ],
    usergroups: [{ id: 'S0ONCALL1', handle: 'oncall-payments', users: ['U0ALICE01', 'U0BOB0001'] }],
    channels: [{ id: 'C0GENERAL', name: 'general', members: ['U0ALICE01'] }],
  });
  slack = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silentSlackLogger() });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => fake.reset());

/** The Slack error code of a rejected WebClient call. */
async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    return (err as WebAPIPlatformError).data?.error;
  }
  throw new Error('expected the Slack call to fail');
}

test('url ends with /api/ and auth.test reports the bot identity', async () => {
  expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  const auth = await slack.auth.test();
  expect(auth).toMatchObject({ ok: true, user_id: TEST_APP.botUserId, bot_id: TEST_APP.botId });
  const call = fake.callsOf('auth.test')[0];
  // WebClient puts the token in the Authorization header and sends a form body.
  expect(call).toMatchObject({ encoding: 'form', tokenSource: 'header', token: TEST_BOT_TOKEN });
});

test('channels: create validates names like Slack, list finds them by name, info reads them back', async () => {
  const created = await slack.conversations.create({ name: 'inc-42-checkout-down' });
  const id = created.channel?.id as string;
  expect(created.channel).toMatchObject({ name: 'inc-42-checkout-down', is_member: true, is_private: false });
  expect(fake.channelByName('inc-42-checkout-down')?.id).toBe(id);

  expect(await slackError(slack.conversations.create({ name: 'inc-42-checkout-down' }))).toBe('name_taken');
  expect(await slackError(slack.conversations.create({ name: 'Inc-43' }))).toBe('invalid_name_specials');
  expect(await slackError(slack.conversations.create({ name: 'inc 43' }))).toBe('invalid_name_specials');
  expect(await slackError(slack.conversations.create({ name: 'x'.repeat(81) }))).toBe('invalid_name_maxlength');
  expect(await slackError(slack.conversations.create({ name: '--' }))).toBe('invalid_name_punctuation');
  expect((await slack.conversations.create({ name: 'x'.repeat(80) })).ok).toBe(true);

  // Paging through conversations.list with a small limit still reaches every channel.
  const names: string[] = [];
  for await (const page of slack.paginate('conversations.list', { limit: 1, exclude_archived: true })) {
    for (const ch of (page as ConversationsListResponse).channels ?? []) names.push(ch.name ?? '');
  }
  expect(names).toEqual(['general', 'inc-42-checkout-down', 'x'.repeat(80)]);

  const info = await slack.conversations.info({ channel: id, include_num_members: true });
  expect(info.channel).toMatchObject({ id, num_members: 1 });
  expect(await slackError(slack.conversations.info({ channel: 'C0NOPE' }))).toBe('channel_not_found');
});

test('invite reports already_in_channel per user; join warns; archive blocks posting', async () => {
  const { channel } = await slack.conversations.create({ name: 'inc-7' });
  const id = channel?.id as string;
  await slack.conversations.invite({ channel: id, users: 'U0ALICE01' });
  await expect(slack.conversations.invite({ channel: id, users: 'U0ALICE01,U0BOB0001' })).rejects.toMatchObject({
    data: { error: 'already_in_channel', errors: [{ user: 'U0ALICE01', ok: false, error: 'already_in_channel' }] },
  });
  expect(fake.state.channels.get(id)?.members.has('U0BOB0001')).toBe(false); // nobody invited without force
  const forced = await slack.conversations.invite({ channel: id, users: 'U0ALICE01,U0BOB0001', force: true });
  expect(forced.ok).toBe(true);
  expect([...(fake.state.channels.get(id)?.members ?? [])]).toEqual([TEST_APP.botUserId, 'U0ALICE01', 'U0BOB0001']);
  expect(await slackError(slack.conversations.invite({ channel: id, users: TEST_APP.botUserId }))).toBe('cant_invite_self');

  expect(await slack.conversations.join({ channel: id })).toMatchObject({ ok: true, warning: 'already_in_channel' });
  await slack.conversations.archive({ channel: id });
  expect(await slackError(slack.conversations.archive({ channel: id }))).toBe('already_archived');
  expect(await slackError(slack.chat.postMessage({ channel: id, text: 'late' }))).toBe('is_archived');
});

test('posting needs the bot in the channel; conversations.join fixes that', async () => {
  fake.state.addChannel({ id: 'C0INCIDENT', name: 'incidents', botIsMember: false });
  expect(await slackError(slack.chat.postMessage({ channel: 'C0INCIDENT', text: 'hello' }))).toBe('not_in_channel');
  await slack.conversations.join({ channel: 'C0INCIDENT' });
  expect((await slack.chat.postMessage({ channel: '#incidents', text: 'hello' })).channel).toBe('C0INCIDENT');
});

test('a message posted with metadata and blocks reads back through conversations.history', async () => {
  const metadata = { event_type: 'rampart_incident', event_payload: { incident_id: 'inc-1', severity: 'SEV1' } };
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*SEV1* checkout down' } }];
  const first = await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'SEV1 checkout down', blocks, metadata });
  const second = await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'update 1' });
  expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
  expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));

  // On the wire, blocks and metadata are JSON strings inside form fields.
  const call = fake.callsOf('chat.postMessage')[0];
  expect(call?.encoding).toBe('form');
  expect(typeof call?.rawArgs.blocks).toBe('string');
  expect(JSON.parse(call?.rawArgs.metadata as string)).toEqual(metadata);
  expect(call?.args.metadata).toEqual(metadata);

  const withMeta = await slack.conversations.history({ channel: 'C0GENERAL', include_all_metadata: true });
  expect(withMeta.messages?.map((m) => m.text)).toEqual(['update 1', 'SEV1 checkout down']); // newest first
  expect(withMeta.messages?.[1]).toMatchObject({ ts: first.ts, metadata, bot_id: TEST_APP.botId });
  expect(withMeta.messages?.[1]?.blocks?.[0]).toMatchObject({ type: 'section', block_id: expect.any(String) });

  const plain = await slack.conversations.history({ channel: 'C0GENERAL' });
  expect(plain.messages?.[1]?.metadata).toBeUndefined(); // only with include_all_metadata
  const one = await slack.conversations.history({ channel: 'C0GENERAL', limit: 1 });
  expect(one).toMatchObject({ has_more: true, messages: [{ text: 'update 1' }] });
  const rest = await slack.conversations.history({ channel: 'C0GENERAL', limit: 1, cursor: one.response_metadata?.next_cursor });
  expect(rest.messages?.map((m) => m.ts)).toEqual([first.ts]);

  expect(await slackError(slack.chat.postMessage({ channel: 'C0GENERAL', text: 'x', metadata: { event_type: 'x' } as never }))).toBe(
    'invalid_metadata_format',
  );
});

test('update, permalink, pins, reactions and ephemeral messages act on stored messages', async () => {
  const { ts } = await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'status: investigating' });
  const msgTs = ts as string;
  await slack.chat.update({ channel: 'C0GENERAL', ts: msgTs, text: 'status: mitigated' });
  expect(fake.messages('C0GENERAL')[0]).toMatchObject({ text: 'status: mitigated', edited: { user: TEST_APP.botUserId } });
  expect(await slackError(slack.chat.update({ channel: 'C0GENERAL', ts: '1.000001', text: 'x' }))).toBe('message_not_found');

  const link = await slack.chat.getPermalink({ channel: 'C0GENERAL', message_ts: msgTs });
  expect(link.permalink).toBe(`https://rampart-test.slack.com/archives/C0GENERAL/p${msgTs.replace('.', '')}`);

  await slack.pins.add({ channel: 'C0GENERAL', timestamp: msgTs });
  expect(await slackError(slack.pins.add({ channel: 'C0GENERAL', timestamp: msgTs }))).toBe('already_pinned');
  const pins = await slack.pins.list({ channel: 'C0GENERAL' });
  expect(pins.items).toEqual([expect.objectContaining({ type: 'message', channel: 'C0GENERAL', message: expect.objectContaining({ ts: msgTs }) })]);

  await slack.reactions.add({ channel: 'C0GENERAL', timestamp: msgTs, name: 'white_check_mark' });
  expect(await slackError(slack.reactions.add({ channel: 'C0GENERAL', timestamp: msgTs, name: 'white_check_mark' }))).toBe('already_reacted');
  expect(fake.messages('C0GENERAL')[0]?.reactions).toEqual([{ name: 'white_check_mark', users: [TEST_APP.botUserId], count: 1 }]);

  const eph = await slack.chat.postEphemeral({ channel: 'C0GENERAL', user: 'U0ALICE01', text: 'only you' });
  expect(fake.state.ephemerals).toEqual([expect.objectContaining({ user: 'U0ALICE01', message_ts: eph.message_ts, text: 'only you' })]);
  expect(await slackError(slack.chat.postEphemeral({ channel: 'C0GENERAL', user: 'U0BOB0001', text: 'x' }))).toBe('user_not_in_channel');
});

test('views.open needs a fresh trigger_id issued by the fake, usable once', async () => {
  const view = { type: 'modal' as const, callback_id: 'declare', title: { type: 'plain_text' as const, text: 'Declare' }, blocks: [] };
  const trigger = fake.issueTriggerId('U0ALICE01');
  const opened = await slack.views.open({ trigger_id: trigger, view });
  expect(opened.view).toMatchObject({ callback_id: 'declare', type: 'modal', id: expect.stringMatching(/^V/) });
  expect(fake.state.views.get(opened.view?.id as string)).toMatchObject({ via: 'views.open', userId: 'U0ALICE01' });
  expect(typeof fake.callsOf('views.open')[0]?.rawArgs.view).toBe('string'); // JSON in a form field

  expect(await slackError(slack.views.open({ trigger_id: trigger, view }))).toBe('exchanged_trigger_id');
  expect(await slackError(slack.views.open({ trigger_id: '123.456.abc', view }))).toBe('invalid_arguments');

  const viewId = opened.view?.id as string;
  const updated = await slack.views.update({ view_id: viewId, hash: opened.view?.hash, view: { ...view, private_metadata: 'inc-1' } });
  expect(updated.view?.private_metadata).toBe('inc-1');
  expect(await slackError(slack.views.update({ view_id: viewId, hash: 'stale', view }))).toBe('hash_conflict');

  await slack.views.publish({ user_id: 'U0ALICE01', view: { type: 'home', blocks: [] } });
  expect(fake.state.homeViews.has('U0ALICE01')).toBe(true);
});

test('an expired trigger_id (older than 3 s) is refused with expired_trigger_id', async () => {
  let now = Date.now();
  const clocked = await startFakeSlackApi({ now: () => now });
  try {
    const client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: clocked.url, retryConfig: { retries: 0 }, logger: silentSlackLogger() });
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    const trigger = clocked.issueTriggerId();
    now += 3001;
    expect(await slackError(client.views.open({ trigger_id: trigger, view }))).toBe('expired_trigger_id');
  } finally {
    await clocked.stop();
  }
});

test('users, user groups and the DM channel', async () => {
  const alice = await slack.users.info({ user: 'U0ALICE01' });
  expect(alice.user).toMatchObject({ name: 'alice', real_name: 'Alice Example', tz: 'Europe/Berlin' });
  expect([3600, 7200]).toContain(alice.user?.tz_offset);
  expect(alice.user?.tz_label).toMatch(/Central European/);
  expect(await slackError(slack.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
  expect((await slack.users.lookupByEmail({ email: 'ALICE@example.com' })).user?.id).toBe('U0ALICE01');
  expect((await slack.usergroups.users.list({ usergroup: 'S0ONCALL1' })).users).toEqual(['U0ALICE01', 'U0BOB0001']);
  expect(await slackError(slack.usergroups.users.list({ usergroup: 'S0NOPE' }))).toBe('no_such_subteam');

  const dm = await slack.chat.postMessage({ channel: 'U0BOB0001', text: 'you are paged' });
  expect(dm.channel).toMatch(/^D/);
  expect(fake.messages(dm.channel as string)[0]?.text).toBe('you are paged');
});

test('failNext injects Slack errors; unknown methods and bad tokens answer like Slack', async () => {
  fake.failNext('chat.postMessage', { error: 'channel_not_found' }, 2);
  expect(await slackError(slack.chat.postMessage({ channel: 'C0GENERAL', text: 'a' }))).toBe('channel_not_found');
  expect(await slackError(slack.chat.postMessage({ channel: 'C0GENERAL', text: 'b' }))).toBe('channel_not_found');
  expect((await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'c' })).ok).toBe(true);
  expect(fake.callsOf('chat.postMessage').map((c) => c.injected !== undefined)).toEqual([true, true, false]);

  expect(await slackError(slack.apiCall('incidents.frobnicate', { x: 1 }))).toBe('unknown_method');
  expect(fake.callsOf('incidents.frobnicate')[0]?.args).toEqual({ x: '1' });

  const stranger = new WebClient('not-a-slack-token', { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silentSlackLogger() });
  expect(await slackError(stranger.auth.test())).toBe('invalid_auth');
});

test('JSON bodies are accepted too (token in the header, real JSON values)', async () => {
  const res = await fetch(`${fake.url}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TEST_BOT_TOKEN}` },
    body: JSON.stringify({ channel: 'C0GENERAL', text: 'json', metadata: { event_type: 'e', event_payload: { a: 1 } } }),
  });
  expect(await res.json()).toMatchObject({ ok: true, channel: 'C0GENERAL' });
  expect(fake.callsOf('chat.postMessage')[0]).toMatchObject({ encoding: 'json', args: { metadata: { event_payload: { a: 1 } } } });
});

test('a response_url takes at most 5 posts', async () => {
  const url = fake.responseUrl('cmd-1');
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `r${i}` }) });
    statuses.push(res.status);
  }
  expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
  expect(fake.responsePosts('cmd-1').map((p) => p.body)).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ text: `r${i}` })));
});
