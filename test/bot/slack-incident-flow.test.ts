// On-call runs an incident from Slack: signed requests in Slack's real formats
// into the bot, the bot's Web API calls into a fake Slack on loopback, the
// incident workflow on a real Temporal dev server, records in PostgreSQL.
// Each test declares its own incident (distinct titles), so any test runs
// alone or in any order; the stack is shared by the file.
import { eventually } from '../support/eventually';
import { startBotHarness, SIGNING_SECRET, SLOW_MACHINE_MS, type BotHarness, type SlackAnswer } from '../support/slack/bot-harness';
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

const ALICE = 'U0ALICE'; // declares; not a responder
const BOB = 'U0BOB'; // acknowledges, becomes commander
const LEAD = 'U0LEAD'; // incident-response group
const ONCALL = 'U0ONCALL';
const GENERAL = 'C0GENERAL';
const ONCALL_CHANNEL = 'C0ONCALLCH';
const STATUS = 'Rolled back the payment service; error rate falling';

let h: BotHarness;

beforeAll(async () => {
  h = await startBotHarness({
    slack: {
      users: [ALICE, BOB, LEAD, ONCALL].map((id) => ({ id, name: id.toLowerCase() })),
      channels: [
        { id: GENERAL, name: 'general' },
        { id: ONCALL_CHANNEL, name: 'oncall' },
      ],
    },
    policy: (p) => {
      p.incident.responders = [LEAD];
      p.slack.onCallUsers = [ONCALL];
      p.slack.escalationTargets = { 'on-call': ONCALL_CHANNEL };
    },
  });
}, SLOW_MACHINE_MS * 3);

afterAll(async () => {
  await h?.stop();
});

interface Declared {
  incidentId: string;
  channelId: string;
}

const texts = (channel: string) => h.slack.messages(channel).map((m) => m.text);

/** Everything the bot said to the asker via response_url, as posted. */
const said = (answer: SlackAnswer) =>
  answer
    .replies()
    .map((r) => JSON.stringify(r.body))
    .join();

/** Runs a command and waits until the bot answers the asker with `expected`. */
async function commandAnswered(user: string, channel: string, text: string, expected: string): Promise<SlackAnswer> {
  const answer = await h.command(user, channel, text);
  await eventually(async () => expect(said(answer)).toContain(expected), SLOW_MACHINE_MS);
  return answer;
}

/** BOB acknowledges (and so becomes commander) and raises the incident to SEV1. */
async function takeCommandAndRaise({ incidentId, channelId }: Declared): Promise<void> {
  await commandAnswered(BOB, channelId, 'ack', `Acknowledged ${incidentId}`);
  await commandAnswered(BOB, channelId, 'severity SEV1', 'is now SEV1');
}

/** BOB posts a status update; returns once it is in the channel. */
async function postStatus({ channelId }: Declared, text: string): Promise<void> {
  await h.command(BOB, channelId, `status ${text}`);
  await eventually(async () => expect(texts(channelId).join('\n')).toContain(text), SLOW_MACHINE_MS);
}

/** Declared by ALICE, acknowledged and raised to SEV1 by BOB, with one status update posted. */
async function incidentUnderway(title: string, summary?: string): Promise<Declared> {
  const incident = await h.declare(ALICE, title, { summary });
  await takeCommandAndRaise(incident);
  await postStatus(incident, STATUS);
  return incident;
}

test('declare: the modal opens, submitting starts the incident, its channel is created with people invited and a pinned summary', async () => {
  const mark = h.slack.calls.length;
  const declared = await h.command(ALICE, GENERAL, 'declare Checkout returns 500');
  expect(declared.status).toBe(200);
  const opened = await eventually(async () => {
    const call = h.slack.calls.slice(mark).find((c) => c.method === 'views.open');
    expect(call).toBeDefined();
    return call!;
  });
  const view = opened.args.view as { callback_id: string; blocks: { block_id: string }[] };
  expect(view.callback_id).toBe('incident_declare');

  const submitted = await sendSigned(
    h.url,
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
    SIGNING_SECRET,
  );
  expect(submitted.status).toBe(200);

  const incidentId = await h.incidentTitled('Checkout returns 500');
  const row = await eventually(async () => {
    const found = await h.database.prisma.slackChannel.findUnique({ where: { incidentId }, include: { incident: true } });
    expect(found?.summaryTs).toBeTruthy();
    return found!;
  });
  const channelId = row.channelId;
  expect(row.name).toMatch(/^inc-\d{8}-checkout-returns-500-[a-z0-9]+$/);
  expect(row.incident.declaredBy).toBe(ALICE);

  const invited = h.slack
    .callsOf('conversations.invite')
    .filter((c) => c.args.channel === channelId)
    .map((c) => c.args.users);
  expect(invited.sort()).toEqual([ALICE, ONCALL].sort());
  const pinned = h.slack.callsOf('pins.add').filter((c) => c.args.channel === channelId);
  expect(pinned.map((c) => c.args.timestamp)).toEqual([row.summaryTs]);
  const summary = h.slack.messages(channelId).find((m) => m.ts === row.summaryTs);
  expect(summary?.text).toContain('[SEV2, declared] Checkout returns 500');
  expect(JSON.stringify(summary?.blocks)).toContain('incident_acknowledge');
  const dm = h.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === ALICE);
  expect(dm.map((c) => c.args.text).join('\n')).toContain(`Declared ${incidentId}`);
});

test('only the commander or the response group may change severity; ack makes a commander', async () => {
  const { incidentId, channelId } = await h.declare(ALICE, 'Search is slow');
  const denied = await h.command(ALICE, channelId, 'severity SEV1');
  expect(denied.status).toBe(200);
  await eventually(async () => expect(said(denied)).toContain('Only the commander'));

  const ack = await h.command(BOB, channelId, 'ack');
  await eventually(async () => expect(said(ack)).toContain(`Acknowledged ${incidentId}`));
  const raised = await h.command(BOB, channelId, 'severity SEV1');
  await eventually(async () => expect(said(raised)).toContain('is now SEV1'));

  await eventually(async () => {
    const summary = h.slack.messages(channelId).find((m) => m.text.startsWith(incidentId));
    expect(summary?.text).toContain('[SEV1, declared]');
    expect(JSON.stringify(summary?.blocks)).toContain(`<@${BOB}>`);
  });
  // `>` goes to Slack escaped, as Slack asks (it shows "->").
  expect(texts(channelId).join('\n')).toContain(`<@${BOB}>: Severity SEV2 -&gt; SEV1`);
});

test('a status update is posted once even when Slack rate-limits the first attempt', async () => {
  const { incidentId, channelId } = await h.declare(ALICE, 'Payments retry storm');
  const mark = h.slack.calls.length;
  h.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  await h.command(BOB, channelId, `status ${STATUS}`);
  await eventually(async () => {
    expect(texts(channelId).filter((t) => t.includes('Rolled back the payment service'))).toHaveLength(1);
  }, SLOW_MACHINE_MS);
  const limited = h.slack.calls.slice(mark).filter((c) => c.method === 'chat.postMessage' && c.status === 429);
  expect(limited).toHaveLength(1);
  const kinds = await h.database.prisma.timelineEntry.findMany({ where: { incidentId }, select: { kind: true } });
  expect(kinds.filter((k) => k.kind === 'status_update')).toHaveLength(1);
});

test('pinned and marked messages become timeline entries, once each', async () => {
  const { incidentId, channelId } = await h.declare(ALICE, 'Dashboard graphs missing');
  const message = { ts: '1795300000.000100', text: 'Error rate graph: https://grafana/d/abc', user: ALICE };
  h.slack.state.addMessage(channelId, { ...message, type: 'message' } as never);
  await sendSigned(h.url, eventCallback(pinAdded({ user: ALICE, channel: channelId, message })), SIGNING_SECRET);
  await sendSigned(h.url, eventCallback(reactionAdded({ user: BOB, reaction: 'pushpin', channel: channelId, ts: message.ts })), SIGNING_SECRET);
  // Both handlers have run once Slack was asked for the marked message; a note after them comes last.
  await eventually(async () => expect(h.slack.callsOf('conversations.history').some((c) => c.args.channel === channelId)).toBe(true));
  await h.stack.incidents.addNote(incidentId, { actor: BOB, text: 'sentinel', key: 'sentinel' });
  const notes = await eventually(async () => {
    const found = (await h.database.prisma.timelineEntry.findMany({ where: { incidentId, kind: 'note' }, orderBy: { occurredAt: 'asc' } })).map((n) => n.text);
    expect(found.at(-1)).toBe('sentinel');
    return found;
  });
  // The pin and the mark arrive in either order; the message becomes one entry, whichever came first.
  expect(notes).toHaveLength(2);
  expect(notes[0]).toMatch(new RegExp(`^(Pinned|Marked): <@${ALICE}> Error rate graph: https://grafana/d/abc$`));
});

test('the timeline and the list are shown to the asker', async () => {
  const { incidentId, channelId } = await incidentUnderway('Login page times out');
  const timeline = await h.command(BOB, channelId, 'timeline');
  await eventually(async () => expect(said(timeline)).toContain(`Timeline of ${incidentId}`));
  expect(said(timeline)).toContain('Rolled back the payment service');

  const list = await h.command(ALICE, GENERAL, 'list');
  await eventually(async () => expect(said(list)).toContain(incidentId));
  expect(said(list)).toContain('SEV1');
  // Other tests' incidents may be listed too: this incident's own line shows its severity.
  const lines = list.replies().flatMap((r) => r.text.split('\n'));
  expect(lines.find((l) => l.includes(incidentId))).toContain(`*SEV1* ${incidentId}`);
});

test('resolve posts a postmortem draft; follow-up actions are tracked with a Done button until closed', async () => {
  const { incidentId, channelId } = await incidentUnderway('Checkout declines cards', 'Card payments fail for EU customers');
  const resolved = await h.command(LEAD, channelId, 'resolve payments back to normal');
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

  await h.command(BOB, channelId, 'action add Alert on payment provider error rate');
  const actionMessage = await eventually(async () => {
    const found = h.slack.messages(channelId).find((m) => m.text.includes('Follow-up A1'));
    expect(found).toBeDefined();
    return found!;
  });
  const done = await sendSigned(
    h.url,
    blockActions({ actionId: 'incident_action_done', value: `${incidentId}|A1`, userId: BOB, channelId, messageTs: actionMessage.ts }),
    SIGNING_SECRET,
  );
  expect(done.status).toBe(200);
  await eventually(async () => {
    const action = await h.database.prisma.followUpAction.findFirst({ where: { incidentId } });
    expect(action?.doneAt).toBeInstanceOf(Date);
  });

  const early = await h.command(LEAD, channelId, 'close');
  await eventually(async () => expect(said(early)).toContain('postmortem must be completed'));
  await h.command(BOB, channelId, 'postmortem done https://docs.example/pm-checkout');
  const closed = await h.command(BOB, channelId, 'close');
  await eventually(async () => expect(said(closed)).toContain(`${incidentId} is closed`));
  const row = await h.database.prisma.incident.findUniqueOrThrow({ where: { id: incidentId } });
  expect(row.status).toBe('CLOSED');
});

test('nothing was created twice: one channel, one summary, one status update through ack, severity and a rate-limited post', async () => {
  const incident = await h.declare(ALICE, 'Invoices render blank');
  const { incidentId, channelId } = incident;
  await takeCommandAndRaise(incident);
  h.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
  await postStatus(incident, STATUS);

  // Channel names are inc-<date>-<title slug>-<suffix>; a second create for this incident shares the prefix.
  const { name } = await h.database.prisma.slackChannel.findUniqueOrThrow({ where: { incidentId } });
  const prefix = name.replace(/-[a-z0-9]+$/, '-');
  const creates = h.slack.callsOf('conversations.create').filter((c) => String(c.args.name).startsWith(prefix));
  expect(creates.filter((c) => c.status === 200)).toHaveLength(1);
  const summaries = h.slack.messages(channelId).filter((m) => m.text.startsWith(incidentId));
  expect(summaries).toHaveLength(1);
  const kinds = await h.database.prisma.timelineEntry.findMany({ where: { incidentId }, select: { kind: true } });
  expect(kinds.filter((k) => k.kind === 'status_update')).toHaveLength(1);
});

test('plain-words errors: bad input, wrong channel, bad signature', async () => {
  const bad = await h.command(BOB, GENERAL, 'severity SEV9');
  expect(bad.status).toBe(200);
  expect(bad.body).toContain('is not a severity');

  const unknown = await h.command(BOB, GENERAL, 'dance');
  expect(unknown.body).toContain('unknown command');

  const wrongPlace = await h.command(BOB, GENERAL, 'ack');
  await eventually(async () => expect(said(wrongPlace)).toContain('not an incident channel'));

  const forged = await sendSigned(h.url, slashCommand({ userId: BOB, channelId: GENERAL, text: 'list' }), 'wrong-secret');
  expect(forged.status).toBe(401);
});

test('reminders and escalations go to the incident channel and the escalation target, once, even after a crash between post and record', async () => {
  const { incidentId, channelId } = await h.declare(ALICE, 'Queue backlog grows');
  const { SlackConnector } = await import('../../src/activities/connectors/slack-connector');
  const { createSlackWebClient } = await import('../../src/slack/web-client');
  const connector = new SlackConnector(createSlackWebClient('xoxb-test', h.slack.url), h.database.prisma, h.policy.slack);
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
  await h.database.prisma.slackPost.deleteMany({ where: { key: { startsWith: notification.eventId } } });
  await connector.deliver(notification);

  const inChannel = texts(channelId).filter((t) => t.includes('has not been acknowledged'));
  // The on-call channel is shared by every incident of the file: only this incident's escalations count.
  const inOnCall = texts(ONCALL_CHANNEL).filter((t) => t.includes('has not been acknowledged') && t.includes(incidentId));
  expect(inChannel).toHaveLength(1);
  expect(inOnCall).toHaveLength(1);
  expect(inOnCall[0]).toContain(`<#${channelId}>`);
});

test('text from people and alerts cannot ping the channel or disguise a link: the summary and the timeline are escaped', async () => {
  const incident = await h.declare(ALICE, 'Payments down', { summary: 'Card payments fail <!channel> see <https://evil.example/login|the runbook> & retry' });
  await h.command(BOB, incident.channelId, 'status p99 > 3 s for <!here>, rolling back');
  await eventually(async () => expect(texts(incident.channelId).join('\n')).toContain('p99 &gt; 3 s for &lt;!here&gt;, rolling back'), SLOW_MACHINE_MS);
  const all = JSON.stringify(h.slack.messages(incident.channelId).map((m) => [m.text, m.blocks]));
  expect(all).toContain('Card payments fail &lt;!channel&gt; see &lt;https://evil.example/login|the runbook&gt; &amp; retry');
  expect(all).not.toMatch(/<!(channel|here)>|<https:\/\/evil\.example\/login\|/);
});
