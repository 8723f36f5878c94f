// The incident channel from the worker's side, declared through the bot's
// modal: a "create channel" that is retried adopts the channel it made (README,
// Slack), and the policy's on-call user group is invited. The fake Slack on
// loopback loses answers or fails calls once; the activity retries for real on
// a Temporal dev server.
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness } from '../support/slack/bot-harness';

const ALICE = 'U0ALICE'; // declares
const CAROL = 'U0CAROL'; // on-call, by the user group only
const DAVE = 'U0DAVE'; // on-call, by the user group only
const ONCALL_GROUP = 'S0ONCALL';

let h: BotHarness;

beforeAll(async () => {
  h = await startBotHarness({
    slack: {
      users: [ALICE, CAROL, DAVE].map((id) => ({ id, name: id.toLowerCase() })),
      usergroups: [{ id: ONCALL_GROUP, handle: 'oncall', users: [CAROL, DAVE] }],
    },
    policy: (p) => {
      p.slack.onCallUsers = [];
      p.slack.onCallUsergroup = ONCALL_GROUP;
    },
  });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
});

/** Every channel at the fake named for this incident (its id suffix is in the name). */
function channelsOf(incidentId: string) {
  const suffix = incidentId.split('-').pop() ?? incidentId;
  return [...h.slack.state.channels.values()].filter((c) => !c.is_im && c.name.startsWith('inc-') && c.name.endsWith(`-${suffix}`));
}

async function recordOf(incidentId: string) {
  return h.database.prisma.slackChannel.findUniqueOrThrow({ where: { incidentId } });
}

/** conversations.create calls for this incident's channel name, in order. */
function createCalls(name: string) {
  return h.slack.callsOf('conversations.create').filter((c) => c.args.name === name);
}

test(
  'a create whose answer was lost after Slack made the channel is retried and adopts that channel',
  async () => {
    h.slack.loseNextResponse('conversations.create', { dropConnection: true });
    const { incidentId, channelId } = await h.declare(ALICE, 'Lost answer on create');

    const record = await recordOf(incidentId);
    const channels = channelsOf(incidentId);
    expect(channels.map((c) => c.id)).toEqual([channelId]);
    expect(record.name).toBe(channels[0]?.name);

    // The first create made the channel (its answer was lost); the retry found the name taken and adopted it.
    const creates = createCalls(record.name);
    expect(creates.map((c) => c.injected ?? (c.response as { error?: string }).error)).toEqual([{ dropConnection: true }, 'name_taken']);
    expect(h.slack.callsOf('conversations.list').length).toBeGreaterThan(0);

    // The adopted channel is the one in use: summary pinned there, people invited there.
    expect(h.slack.state.pins.filter((p) => p.channel === channelId).map((p) => p.ts)).toEqual([record.summaryTs]);
    expect([...(channels[0]?.members ?? [])]).toEqual(expect.arrayContaining([ALICE]));
  },
  SLOW_MACHINE_MS * 2,
);

test(
  'a create whose next step fails once is retried and adopts the channel it made',
  async () => {
    h.slack.failNext('conversations.setPurpose', { status: 500, body: 'internal error' });
    const { incidentId, channelId } = await h.declare(ALICE, 'Purpose failed once');

    const record = await recordOf(incidentId);
    expect(channelsOf(incidentId).map((c) => c.id)).toEqual([channelId]);
    const creates = createCalls(record.name);
    expect(creates.map((c) => (c.response as { ok?: boolean; error?: string }).error ?? 'created')).toEqual(['created', 'name_taken']);
    expect(h.slack.state.channels.get(channelId)?.purpose.value).toBe(`Incident ${incidentId}, run by Rampart`);
  },
  SLOW_MACHINE_MS * 2,
);

test(
  "the policy's on-call user group: its members are looked up and invited with the declarer",
  async () => {
    const { channelId } = await h.declare(ALICE, 'Paging the on-call group');

    const lookups = h.slack.callsOf('usergroups.users.list').map((c) => c.args.usergroup);
    expect(lookups).toContain(ONCALL_GROUP);
    const invited = h.slack
      .callsOf('conversations.invite')
      .filter((c) => c.args.channel === channelId && c.status === 200)
      .map((c) => c.args.users);
    expect([...invited].sort()).toEqual([ALICE, CAROL, DAVE].sort());
    const members = [...(h.slack.state.channels.get(channelId)?.members ?? [])];
    expect(members).toEqual(expect.arrayContaining([ALICE, CAROL, DAVE]));
  },
  SLOW_MACHINE_MS * 2,
);
