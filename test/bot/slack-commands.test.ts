// The in-channel commands `/incident role <role> @person`, `/incident mitigated`
// and `/incident action done A1` (README, Slack): each lands on the incident
// workflow and in the timeline; a refused one is answered to the asker alone, in
// plain words. Signed slash commands into the bot, the fake Slack on loopback, a
// real Temporal dev server and PostgreSQL. Each test declares its own incident.
import type { TimelineKind } from '../../src/domain/incident';
import { stateQuery } from '../../src/workflows/incident/messages';
import { eventually } from '../support/eventually';
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness, type SlackAnswer } from '../support/slack/bot-harness';

const ALICE = 'U0ALICE'; // declares
const BOB = 'U0BOB'; // on the incident
const CAROL = 'U0CAROL';
const LEAD = 'U0LEAD'; // incident-response group

let h: BotHarness;

beforeAll(async () => {
  h = await startBotHarness({
    slack: { users: [ALICE, BOB, CAROL, LEAD].map((id) => ({ id, name: id.toLowerCase() })) },
    policy: (p) => {
      p.slack.onCallUsers = [];
      p.incident.responders = [LEAD];
    },
  });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
});

const incident = (id: string) => h.env.client.workflow.getHandle(id).query(stateQuery);

async function timeline(incidentId: string, kind: TimelineKind) {
  return h.database.prisma.timelineEntry.findMany({ where: { incidentId, kind }, select: { actor: true, text: true }, orderBy: { id: 'asc' } });
}

/** The single reply to a command, once it came; it must be shown to the asker only. */
async function onlyReply(answer: SlackAnswer): Promise<string> {
  expect(answer.status).toBe(200);
  const replies = await eventually(async () => {
    const posted = answer.replies();
    expect(posted).toHaveLength(1);
    return posted;
  }, SLOW_MACHINE_MS);
  expect(replies[0]?.body.response_type).toBe('ephemeral');
  return replies[0]?.text ?? '';
}

/** A refusal says what is wrong in words: no error class names, no stack, not the catch-all. */
function expectPlainWords(text: string, reason: RegExp): void {
  expect(text).toMatch(/^:warning: [A-Z]/);
  expect(text).toMatch(reason);
  expect(text).not.toMatch(/Error\b|\bat \S+ \(|went wrong/);
}

const channelTexts = (channelId: string) => h.slack.messages(channelId).map((m) => m.text);

test(
  '/incident role <role> @person assigns the role on the workflow and in the timeline; an unknown role is refused',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Role by command');

    // Slack escapes mentions as <@U…|name>.
    const assigned = await h.command(ALICE, channelId, `role scribe <@${CAROL}|carol>`);
    expect(await onlyReply(assigned)).toBe(`<@${CAROL}> is now scribe of ${incidentId}.`);
    expect((await incident(incidentId)).roles).toMatchObject({ scribe: CAROL });
    await eventually(async () => expect(await timeline(incidentId, 'role_assigned')).toEqual([{ actor: ALICE, text: `${CAROL} is scribe` }]), SLOW_MACHINE_MS);
    await eventually(async () => expect(channelTexts(channelId)).toContain(`:bust_in_silhouette: <@${ALICE}>: ${CAROL} is scribe`), SLOW_MACHINE_MS);

    const refused = await h.command(ALICE, channelId, `role janitor <@${BOB}|bob>`);
    expectPlainWords(await onlyReply(refused), /Unknown role "janitor" \(roles: .*scribe.*\)/);
    const roles = (await incident(incidentId)).roles;
    expect(roles).not.toHaveProperty('janitor');
    expect(await timeline(incidentId, 'role_assigned')).toHaveLength(1);

    // Without a person to assign, the command is answered at once, in the HTTP response.
    const malformed = await h.command(ALICE, channelId, 'role scribe carol');
    expect(JSON.parse(malformed.body)).toEqual({ response_type: 'ephemeral', text: ':warning: usage: /incident role <role> @person' });
  },
  SLOW_MACHINE_MS * 3,
);

test(
  '/incident mitigated [note] marks the incident mitigated on the workflow and in the timeline; a second time is refused',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Mitigated by command');

    const mitigated = await h.command(BOB, channelId, 'mitigated rolled back the deploy');
    expect(mitigated.status).toBe(200);
    await eventually(async () => expect((await incident(incidentId)).status).toBe('MITIGATED'), SLOW_MACHINE_MS);
    await eventually(
      async () => expect(await timeline(incidentId, 'mitigated')).toEqual([{ actor: BOB, text: 'Mitigated: rolled back the deploy' }]),
      SLOW_MACHINE_MS,
    );
    expect((await incident(incidentId)).acknowledgedBy).toBe(BOB); // mitigating acknowledges
    const row = await h.database.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(row.status).toBe('MITIGATED');

    const again = await h.command(BOB, channelId, 'mitigated');
    expectPlainWords(await onlyReply(again), /Cannot mitigate an incident that is mitigated/);
    expect(await timeline(incidentId, 'mitigated')).toHaveLength(1);
  },
  SLOW_MACHINE_MS * 3,
);

test(
  '/incident action done A1 completes the follow-up on the workflow and in the timeline; unknown or done ones are refused',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Action done by command');
    // Follow-up actions exist once the incident is resolved.
    expect((await h.command(LEAD, channelId, 'resolve fixed')).status).toBe(200);
    await eventually(async () => expect((await incident(incidentId)).status).toBe('RESOLVED'), SLOW_MACHINE_MS);
    await h.command(BOB, channelId, 'action add Alert on queue depth');
    await eventually(async () => expect((await incident(incidentId)).actions.map((a) => a.id)).toEqual(['A1']), SLOW_MACHINE_MS);

    const unknown = await h.command(BOB, channelId, 'action done A7');
    expectPlainWords(await onlyReply(unknown), /No follow-up action A7/);

    const done = await h.command(BOB, channelId, 'action done a1');
    expect(await onlyReply(done)).toBe('A1 is done.');
    expect((await incident(incidentId)).actions[0]?.doneAt).toEqual(expect.any(String));
    await eventually(async () => expect(await timeline(incidentId, 'action_done')).toEqual([{ actor: BOB, text: 'Follow-up A1 done' }]), SLOW_MACHINE_MS);
    await eventually(async () => {
      const action = await h.database.prisma.followUpAction.findFirstOrThrow({ where: { incidentId } });
      expect(action.doneAt).toBeInstanceOf(Date);
    }, SLOW_MACHINE_MS);

    const twice = await h.command(BOB, channelId, 'action done A1');
    expectPlainWords(await onlyReply(twice), /Follow-up action A1 is already done/);
    expect(await timeline(incidentId, 'action_done')).toHaveLength(1);
  },
  SLOW_MACHINE_MS * 3,
);
