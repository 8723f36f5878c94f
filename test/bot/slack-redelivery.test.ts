// A Slack request delivered twice (a proxy or Slack retrying after a lost
// answer) carries the same interaction id: the change it asks for is applied
// once. Two separate commands, each with its own id, are two changes.
import { eventually } from '../support/eventually';
import { SIGNING_SECRET, SLOW_MACHINE_MS, startBotHarness, type BotHarness } from '../support/slack/bot-harness';
import { sendSigned } from '../support/slack/signed-requests';
import { slashCommand } from '../support/slack/slack-interactive-payloads';

jest.setTimeout(240_000);
let h: BotHarness;
beforeAll(async () => {
  h = await startBotHarness();
});
afterAll(async () => {
  await h?.stop();
});

test('the same /incident role request delivered twice is recorded once; a second command is recorded again', async () => {
  const { incidentId, channelId } = await h.declare('U0ALICE', 'Redelivered command');
  const assignments = () => h.database.prisma.timelineEntry.count({ where: { incidentId, kind: 'role_assigned' } });

  const request = slashCommand({
    userId: 'U0ALICE',
    channelId,
    text: 'role scribe <@U0CAROL>',
    triggerId: h.slack.issueTriggerId('U0ALICE'),
    responseUrl: h.slack.responseUrl('redelivered'),
  });
  expect((await sendSigned(h.url, request, SIGNING_SECRET)).status).toBe(200);
  expect((await sendSigned(h.url, request, SIGNING_SECRET, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
  // Both deliveries were worked on (each answered the asker with the outcome), yet the timeline took one.
  const answers = await eventually(async () => {
    const posts = h.slack.responsePosts('redelivered').map((p) => (p.body as { text?: string }).text);
    expect(posts).toHaveLength(2);
    return posts;
  }, SLOW_MACHINE_MS);
  expect(answers).toEqual([`<@U0CAROL> is now scribe of ${incidentId}.`, `<@U0CAROL> is now scribe of ${incidentId}.`]);
  expect(await assignments()).toBe(1);

  const again = await h.command('U0ALICE', channelId, 'role scribe <@U0CAROL>');
  await eventually(async () => expect(again.replies()).toHaveLength(1), SLOW_MACHINE_MS);
  expect(await assignments()).toBe(2);
});
