// Slack's v0 request signing and the wire formats of the payload builders.
import { verifySlackRequest } from '@slack/bolt';
import {
  blockActions,
  eventCallback,
  pinAdded,
  reactionAdded,
  signSlackRequest,
  slashCommand,
  stateValue,
  urlVerification,
  viewSubmission,
} from '../support/slack/signed-requests';

// The worked example from Slack's "Verifying requests from Slack" guide.
const DOCS_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOCS_TIMESTAMP = 1531420618;
const DOCS_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

test('signSlackRequest reproduces the signature from Slack docs', () => {
  expect(signSlackRequest(DOCS_BODY, DOCS_SECRET, DOCS_TIMESTAMP)).toEqual({
    'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    'x-slack-request-timestamp': '1531420618',
    'content-type': 'application/x-www-form-urlencoded',
  });
});

test("Bolt's own verifier accepts the signature and rejects a tampered body", () => {
  const body = slashCommand({ userId: 'U0ALICE01', channelId: 'C0GENERAL', text: 'declare sev1 checkout' }).body;
  const headers = signSlackRequest(body, 'shh');
  const options = { signingSecret: 'shh', headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) } };
  expect(() => verifySlackRequest({ ...options, body })).not.toThrow();
  expect(() => verifySlackRequest({ ...options, body: body.replace('sev1', 'sev4') })).toThrow(/signature mismatch/);
});

test('a slash command is a form body in the field order Slack uses, spaces as +', () => {
  const { body, contentType, payload } = slashCommand({
    userId: 'U0ALICE01',
    channelId: 'C0GENERAL',
    text: 'declare sev1 checkout',
    triggerId: '1.2.abc',
    responseUrl: 'https://hooks.slack.com/commands/T1/2/x',
  });
  expect(contentType).toBe('application/x-www-form-urlencoded');
  expect(body).toContain('&command=%2Fincident&text=declare+sev1+checkout&');
  expect(body).toContain('response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F2%2Fx&trigger_id=1.2.abc');
  expect([...new URLSearchParams(body).keys()]).toEqual([
    'token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name',
    'command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id',
  ]);
  expect(Object.fromEntries(new URLSearchParams(body))).toEqual(payload);
});

test('block_actions and view_submission are a form body with one JSON `payload` field', () => {
  const click = blockActions({ actionId: 'ack', value: 'inc-1', userId: 'U0ALICE01', channelId: 'C0GENERAL', messageTs: '1700000000.000100' });
  const form = new URLSearchParams(click.body);
  expect([...form.keys()]).toEqual(['payload']);
  expect(JSON.parse(form.get('payload') as string)).toMatchObject({
    type: 'block_actions',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0GENERAL' },
    actions: [{ type: 'button', action_id: 'ack', value: 'inc-1', block_id: 'actions' }],
  });

  const submit = viewSubmission({
    callbackId: 'declare',
    privateMetadata: '{"channel":"C0GENERAL"}',
    userId: 'U0ALICE01',
    values: { title: { title_input: stateValue.plainText('Checkout down') }, sev: { sev_select: stateValue.staticSelect('SEV1') } },
  });
  const payload = JSON.parse(new URLSearchParams(submit.body).get('payload') as string);
  expect(payload).toMatchObject({ type: 'view_submission', view: { callback_id: 'declare', private_metadata: '{"channel":"C0GENERAL"}' } });
  expect(payload.view.state.values.sev.sev_select.selected_option.value).toBe('SEV1');
});

test('events arrive as JSON event_callback envelopes', () => {
  const reaction = eventCallback(reactionAdded({ user: 'U0ALICE01', reaction: 'eyes', channel: 'C0GENERAL', ts: '1700000000.000100' }));
  expect(reaction.contentType).toBe('application/json');
  expect(JSON.parse(reaction.body)).toMatchObject({
    type: 'event_callback',
    event_id: expect.stringMatching(/^Ev/),
    event_time: expect.any(Number),
    event: { type: 'reaction_added', item: { type: 'message', channel: 'C0GENERAL', ts: '1700000000.000100' } },
  });
  const pin = pinAdded({ user: 'U0ALICE01', channel: 'C0GENERAL', message: { ts: '1700000000.000100', text: 'root cause', user: 'U0BOB0001' } });
  expect(pin).toMatchObject({ type: 'pin_added', channel_id: 'C0GENERAL', item: { message: { text: 'root cause' } } });
  expect(JSON.parse(urlVerification('chal-123').body)).toEqual({ token: expect.any(String), challenge: 'chal-123', type: 'url_verification' });
});
