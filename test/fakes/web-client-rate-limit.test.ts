// How @slack/web-api's WebClient reacts to Slack's HTTP 429 + Retry-After,
// pinned down against the fake because the bot's retry story depends on it:
// WebClient sleeps for Retry-After itself, then lets its retry policy decide
// whether to try again.
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { TEST_BOT_TOKEN } from '../support/slack/slack-ids';

let fake: FakeSlackApi;
beforeAll(async () => {
  fake = await startFakeSlackApi({ channels: [{ id: 'C0GENERAL', name: 'general' }] });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => fake.reset());

test('the fake answers 429 with a Retry-After header and a ratelimited body', async () => {
  fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
  const res = await fetch(`${fake.url}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_BOT_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'channel=C0GENERAL&text=hi',
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('7');
  expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
});

test('with its default retry policy, WebClient waits Retry-After and retries by itself', async () => {
  const client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: false });
  fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  const res = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'eventually' });
  expect(res.ok).toBe(true);
  const [first, second] = fake.callsOf('chat.postMessage');
  expect(first?.status).toBe(429);
  expect(second?.status).toBe(200);
  // Retry-After (1 s) plus p-retry's own backoff before attempt 2 (minTimeout 1 s, randomized x1-2): 2-3 s.
  // A lower bound only: a slow machine may wait longer, never shorter.
  expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1950);
  expect(fake.messages('C0GENERAL').map((m) => m.text)).toEqual(['eventually']);
});

test('with retries: 0 the 429 still costs the Retry-After wait before the call fails', async () => {
  const client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 } });
  fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  const started = Date.now();
  await expect(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RequestError });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
});

test('rejectRateLimitedCalls: true fails at once with the Retry-After seconds', async () => {
  const client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true });
  // An hour's Retry-After: had the client waited it, the test would time out.
  fake.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 3600 });
  await expect(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' })).rejects.toMatchObject({
    code: ErrorCode.RateLimitedError,
    retryAfter: 3600,
  });
  expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
});

test('HTTP 5xx is retried by the retry policy; ok:false platform errors are not', async () => {
  const client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: fake.url, logLevel: LogLevel.ERROR, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } });
  fake.failNext('chat.postMessage', { status: 503, body: 'upstream unavailable' });
  expect((await client.chat.postMessage({ channel: 'C0GENERAL', text: 'after outage' })).ok).toBe(true);
  expect(fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([503, 200]);

  fake.failNext('chat.postMessage', { error: 'internal_error' });
  await expect(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' })).rejects.toMatchObject({
    code: ErrorCode.PlatformError,
    data: { error: 'internal_error' },
  });
  expect(fake.callsOf('chat.postMessage')).toHaveLength(3);
});
