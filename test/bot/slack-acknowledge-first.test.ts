// "Every request is acknowledged at once (Slack allows 3 s) and the work
// follows" (README, Slack), proven by order rather than by a stopwatch: the
// database the work needs is held locked, Slack's request is answered anyway,
// and the work completes only once the lock is released. Forms are opened the
// same way, before anything is looked up, because a trigger_id lives 3 s.
import { breachWorkflowId } from '../../src/workflows/breach/messages';
import { stateQuery } from '../../src/workflows/incident/messages';
import { eventually } from '../support/eventually';
import { startBotHarness, SLOW_MACHINE_MS, type BotHarness } from '../support/slack/bot-harness';
import { holdTableLock, type HeldTableLock } from '../support/slack/held-table-lock';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const DPO = 'U0DPO';
const GENERAL = 'C0GENERAL';

let h: BotHarness;
let lock: HeldTableLock | undefined;

beforeAll(async () => {
  h = await startBotHarness({
    slack: { users: [ALICE, BOB, DPO].map((id) => ({ id, name: id.toLowerCase() })), channels: [{ id: GENERAL, name: 'general' }] },
    policy: (p) => {
      p.slack.onCallUsers = [];
      p.breach.officers = [DPO];
    },
  });
}, SLOW_MACHINE_MS * 3);

afterEach(async () => {
  await lock?.release();
  lock = undefined;
});

afterAll(async () => {
  await h?.stop();
});

/** Holds the table the bot reads first for any in-channel request (channel -> incident). */
async function blockChannelLookups(): Promise<HeldTableLock> {
  lock = await holdTableLock(h.database.prisma, 'slack_channels');
  return lock;
}

/** Waits until the bot's work is stuck on the held lock. */
const workIsBlocked = (held: HeldTableLock) =>
  eventually(async () => expect(await held.waiters()).toBeGreaterThan(0), SLOW_MACHINE_MS);

/** views.* calls made after `from` (an index into all calls). */
const viewCalls = (method: 'views.open' | 'views.update', from: number) => h.slack.calls.slice(from).filter((c) => c.method === method);

test(
  'a slash command is acknowledged while the work it starts is still held up, and the work completes once released',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Ack before work');
    const incident = () => h.env.client.workflow.getHandle(incidentId).query(stateQuery);
    const held = await blockChannelLookups();

    // Were the work done before the acknowledgement, this request would not be answered while the lock is held.
    const ack = await h.command(BOB, channelId, 'ack');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');

    await workIsBlocked(held);
    expect(ack.replies()).toEqual([]);
    expect((await incident()).acknowledgedAt).toBeUndefined();

    await held.release();
    await eventually(async () => expect(ack.replies().map((r) => r.text)).toEqual([`Acknowledged ${incidentId}.`]), SLOW_MACHINE_MS);
    expect((await incident()).acknowledgedBy).toBe(BOB);
  },
  SLOW_MACHINE_MS * 3,
);

test(
  'a form is opened with the trigger_id before the bot looks anything up, then filled in (command and button)',
  async () => {
    const { incidentId, channelId } = await h.declare(ALICE, 'Form before lookup', { personalData: true });
    await h.stack.incidents.verifyBreach(incidentId, { actor: DPO });
    const breachId = breachWorkflowId(incidentId);

    for (const [ask, form] of [
      [() => h.command(BOB, channelId, 'breach notice'), 'breach_notice_view'],
      [() => h.press(BOB, channelId, 'breach_customers', incidentId), 'breach_customers_view'],
    ] as const) {
      const from = h.slack.calls.length;
      const held = await blockChannelLookups();
      const asked = await ask();
      expect(asked.status).toBe(200);

      // The modal is open (the trigger_id accepted) while the lookups it needs are still held.
      const opened = await eventually(async () => {
        const call = viewCalls('views.open', from)[0];
        expect(call?.response).toMatchObject({ ok: true });
        return call!;
      }, SLOW_MACHINE_MS);
      await workIsBlocked(held);
      expect(viewCalls('views.update', from)).toEqual([]);
      const viewId = (opened.response as { view: { id: string } }).view.id;

      await held.release();
      const filled = await eventually(async () => {
        const call = viewCalls('views.update', from)[0];
        expect(call?.response).toMatchObject({ ok: true });
        return call!;
      }, SLOW_MACHINE_MS);
      expect(filled.args.view_id).toBe(viewId);
      expect(h.slack.state.views.get(viewId)?.view).toMatchObject({ callback_id: form, private_metadata: breachId });
      expect(asked.replies()).toEqual([]);
      lock = undefined;
    }
  },
  SLOW_MACHINE_MS * 4,
);

test(
  'a form that cannot be shown says why in the opened modal and to the asker alone',
  async () => {
    const from = h.slack.calls.length;
    const asked = await h.command(BOB, GENERAL, 'breach customers');
    expect(asked.status).toBe(200);
    const reason = 'This is not an incident channel.';
    await eventually(async () => expect(asked.replies().map((r) => r.text).join('\n')).toContain(reason), SLOW_MACHINE_MS);
    expect(asked.replies().map((r) => r.body.response_type)).toEqual(['ephemeral']);
    const opened = viewCalls('views.open', from)[0];
    const viewId = (opened?.response as { view: { id: string } }).view.id;
    expect(JSON.stringify(h.slack.state.views.get(viewId)?.view.blocks)).toContain(reason);
    expect(h.slack.state.views.get(viewId)?.view.submit).toBeUndefined();
  },
  SLOW_MACHINE_MS * 2,
);
