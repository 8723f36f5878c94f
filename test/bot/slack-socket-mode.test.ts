// Socket Mode (no public URL): the bot opens its connection through
// apps.connections.open, receives envelopes over the WebSocket and acknowledges them.
import { outboxMailer } from '../support/outbox-mailer';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startFakeSlackApi, type FakeSlackApi } from '../support/slack/fake-slack-api';
import { startFakeSocketMode, type FakeSocketMode } from '../support/slack/fake-socket-mode';
import { slashCommand } from '../support/slack/signed-requests';

let slack: FakeSlackApi;
let socket: FakeSocketMode;
let database: TestDatabase;
let env: TestWorkflowEnvironment;
let stack: Stack;

beforeAll(async () => {
  slack = await startFakeSlackApi({
    tokens: ['xoxb-test', 'xapp-test'],
    users: [{ id: 'U0CAROL', name: 'carol' }],
    channels: [{ id: 'C0GENERAL', name: 'general' }],
  });
  socket = await startFakeSocketMode(slack);
  database = await createTestDatabase();
  env = await startDevEnvironment();
  stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `socket-test-${process.pid}`,
    policy: loadPolicy(),
    connectors: [],
    mailer: outboxMailer(),
    run: 'all',
    slack: { botToken: 'xoxb-test', signingSecret: 'unused', appToken: 'xapp-test', port: 0, host: '127.0.0.1', slackApiUrl: slack.url },
  });
});

afterAll(async () => {
  await stack?.stop();
  await socket?.stop();
  await env?.teardown();
  await database?.drop();
  await slack?.stop();
});

test('slash commands arrive over the socket, are acknowledged, and answered', async () => {
  await socket.connected();
  expect(stack.slackUrl).toBeUndefined();
  expect(slack.callsOf('apps.connections.open')[0]?.token).toBe('xapp-test');

  const help = slashCommand({ userId: 'U0CAROL', channelId: 'C0GENERAL', text: 'help', responseUrl: slack.responseUrl('help') });
  await socket.send('slash_commands', help.payload);
  await eventually(async () => expect(JSON.stringify(slack.responsePosts('help')[0]?.body)).toContain('Rampart incident commands'));

  const bad = slashCommand({ userId: 'U0CAROL', channelId: 'C0GENERAL', text: 'severity SEV7' });
  const ack = await socket.send('slash_commands', bad.payload);
  expect(JSON.stringify(ack)).toContain('is not a severity');
});
