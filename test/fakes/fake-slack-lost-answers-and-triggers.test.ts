// Two rules of the fake Slack Web API that the bot tests rely on: a call whose
// answer is lost still takes effect (loseNextResponse), and with
// triggerExpiry 'next-trigger' a trigger_id lives until the same user's next
// action instead of 3 s of real time.
import { WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { silentSlackLogger } from '../support/slack/silent-logger';
import { TEST_BOT_TOKEN } from '../support/slack/slack-ids';

let fake: FakeSlackApi;
let slack: WebClient;
let now = Date.parse('2031-03-03T09:00:00Z');

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [
      { id: 'U0ALICE01', name: 'alice' },
      { id: 'U0BOB0001', name: 'bob' },
    ],
    triggerExpiry: 'next-trigger',
    now: () => now,
  });
  slack = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: silentSlackLogger() });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => fake.reset());

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    return (err as WebAPIPlatformError).data?.error;
  }
  throw new Error('expected the Slack call to fail');
}

const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Form' }, blocks: [] };

test('a lost answer: the channel is created although the client sees the connection drop', async () => {
  fake.loseNextResponse('conversations.create', { dropConnection: true });
  await expect(slack.conversations.create({ name: 'inc-lost' })).rejects.toThrow();
  expect(fake.channelByName('inc-lost')).toBeDefined();
  expect(fake.callsOf('conversations.create')[0]?.injected).toEqual({ dropConnection: true });
  expect(await slackError(slack.conversations.create({ name: 'inc-lost' }))).toBe('name_taken');

  fake.loseNextResponse('chat.postMessage', { status: 503 });
  await expect(slack.chat.postMessage({ channel: 'U0BOB0001', text: 'posted anyway' })).rejects.toThrow(/503/);
  expect(fake.messages('D0BOB0001').map((m) => m.text)).toEqual(['posted anyway']);
});

test("'next-trigger': a trigger_id outlives real time but not its user's next action", async () => {
  const slow = fake.issueTriggerId('U0ALICE01');
  now += 60_000; // a very slow machine
  expect((await slack.views.open({ trigger_id: slow, view: modal })).ok).toBe(true);

  const stale = fake.issueTriggerId('U0ALICE01');
  const bobs = fake.issueTriggerId('U0BOB0001'); // someone else acting does not matter
  const next = fake.issueTriggerId('U0ALICE01'); // Alice clicked again
  expect(await slackError(slack.views.open({ trigger_id: stale, view: modal }))).toBe('expired_trigger_id');
  expect((await slack.views.open({ trigger_id: bobs, view: modal })).ok).toBe(true);
  expect((await slack.views.open({ trigger_id: next, view: modal })).ok).toBe(true);
  expect(await slackError(slack.views.open({ trigger_id: next, view: modal }))).toBe('exchanged_trigger_id');
});
