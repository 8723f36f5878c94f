// Breach notices survive a worker restart mid-send and a mail server that
// refuses for hours: every contact still gets exactly one notice (counted at
// the SMTP server), and the officers hear about the trouble while it lasts.
// Each test has its own time-skipping server: a run left behind by one (a
// stopped worker's tasks) would stall the shared clock for the next.
import { affectedCustomers, BreachHarness, completeNotice, until } from '../support/breach-harness';
import * as msg from '../../src/workflows/breach/messages';

jest.setTimeout(300_000);
let h: BreachHarness;
beforeEach(async () => {
  h = await BreachHarness.start();
});
afterEach(async () => {
  await h?.terminateStarted();
  await h?.stop();
});

test('a worker restarted in the middle of sending sends no duplicates', async () => {
  const taskQueue = h.newTaskQueue();
  const list = affectedCustomers('r', 60); // 120 contacts
  const mine = () => h.smtp.messages.filter((m) => m.to.some((t) => t.endsWith('.example') && /@cr\d+\./.test(t))).length;

  const first = await h.createWorker(taskQueue, { cached: false });
  const { handle } = await first.runUntil(async () => {
    const started = await h.startBreach(taskQueue);
    await started.handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: list }] });
    await started.handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: completeNotice }] });
    await started.handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await until(async () => (mine() >= 20 ? true : undefined));
    return started;
  });
  const beforeRestart = mine();
  expect(beforeRestart).toBeLessThan(120); // stopped mid-send

  const second = await h.createWorker(taskQueue);
  const state = await second.runUntil(h.untilAllSent(handle, 200_000));
  expect(state.deliveries).toHaveLength(120);
  expect(state.deliveries.every((d) => d.status === 'sent')).toBe(true);
  for (const c of list) for (const email of c.contacts) expect(h.smtp.countTo(email)).toBe(1);
  expect(mine()).toBe(120);
});

test('an SMTP server that refuses for hours is retried, the officer is told, and every notice goes out once', async () => {
  await h.withWorker(async (tq) => {
    const { handle, incidentId } = await h.startBreach(tq);
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: affectedCustomers('s', 2) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: completeNotice }] });
    h.smtp.setTransientFailure(true);
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });

    // Three simulated hours of refusals, advanced in steps the server can follow.
    for (let minutes = 0; minutes < 180; minutes += 10) await h.env.sleep(10 * 60_000);
    const failing = h.told.filter((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_failing');
    expect(failing.length).toBeGreaterThanOrEqual(3); // at once, then hourly
    expect(failing.length).toBeLessThanOrEqual(4);
    expect(failing[0]?.audience).toEqual(expect.arrayContaining(['U0DPO', 'incident-channel']));
    expect(failing[0]?.text).toContain('keeps retrying');
    const during = await handle.query(msg.breachStateQuery);
    expect(during.deliveries.every((d) => d.status === 'pending')).toBe(true);
    const attempts = await h.database.prisma.breachDelivery.findMany({ where: { breachId: during.id } });
    expect(Math.min(...attempts.map((a) => a.attempts))).toBeGreaterThan(10); // kept trying

    h.smtp.setTransientFailure(false);
    await h.env.sleep(10 * 60_000); // past the longest pause (5 min)
    const state = await h.untilAllSent(handle, 120_000);
    for (const d of state.deliveries) expect(h.smtp.countTo(d.email)).toBe(1);
  });
});
