// Breach notices survive a worker killed in the middle of sending and a mail
// server that is down for hours: every contact still gets its notice, a second
// copy only where a message was at the server when the worker died (with the
// same Message-ID), and the officers hear about the trouble while it lasts.
// Each test has its own time-skipping server: a run left behind by one (a killed
// worker's tasks) would stall the shared clock for the next.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { breachMessageId, createBreachMailActivities } from '../../src/activities/breach-mail';
import * as msg from '../../src/workflows/breach/messages';
import type { BreachState } from '../../src/workflows/breach/state';
import { affectedCustomers, BreachHarness, completeNotice, until } from '../support/breach-harness';
import { spawnBreachWorker, writeWorkflowBundle, type BreachWorkerChild } from '../support/breach-worker-child';

jest.setTimeout(900_000);
const MINUTE = 60_000;

let h: BreachHarness;
beforeEach(async () => {
  h = await BreachHarness.start();
});
afterEach(async () => {
  await h?.terminateStarted();
  await h?.stop();
});

// --- What the README promises for a failing mail server ---------------------------
// "retried by the workflow, 30 s growing to 5 min between attempts, and the officers
// and the channel are told at once and hourly while it lasts".

/** The pause after the n-th failed attempt (n from 0): 30 s, doubling, at most 5 min. */
const promisedPause = (n: number) => Math.min(30_000 * 2 ** n, 5 * MINUTE);

/** When attempts start, in ms after the first, up to `untilMs`. */
function promisedAttempts(untilMs: number): number[] {
  const at = [0];
  for (let next = promisedPause(0); next <= untilMs; next += promisedPause(at.length - 1)) at.push(next);
  return at;
}

/** When the officers are told: at the first failure, then at the first failure an hour or more after the last notice. */
function promisedTroubleNotices(failures: number[]): number[] {
  const told: number[] = [];
  let last = -Infinity;
  for (const at of failures) {
    if (at - last >= 60 * MINUTE) told.push((last = at));
  }
  return told;
}

/** Advances the server clock in steps it can follow (one long sleep stalls). */
async function advance(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 10 * MINUTE) await h.env.sleep(Math.min(10 * MINUTE, ms - done));
}

async function fillAndApprove(handle: WorkflowHandle, customers: ReturnType<typeof affectedCustomers>): Promise<BreachState> {
  await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers }] });
  await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: completeNotice }] });
  return handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const eventMs = (t: HistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

test('a worker killed (SIGKILL) mid-send: every contact gets the notice, a second copy only of what was at the server, with the same Message-ID', async () => {
  const CONTACTS = 40;
  const ANSWERED = 10; // the server answers these, then keeps the next messages unanswered
  const LEASE_MS = 3_000;
  const list = affectedCustomers('k', CONTACTS / 2);
  const contacts = list.flatMap((c) => c.contacts);
  const taskQueue = h.newTaskQueue();
  const dir = await mkdtemp(path.join(tmpdir(), 'rampart-crash-'));
  let child: BreachWorkerChild | undefined;
  try {
    h.smtp.holdRepliesAfter(ANSWERED);
    child = await spawnBreachWorker({
      temporalAddress: h.env.address,
      namespace: h.env.namespace ?? 'default',
      taskQueue,
      databaseUrl: h.database.url,
      smtpUrl: h.smtp.smtpUrl,
      claimLeaseMs: LEASE_MS,
      notifyFile: path.join(dir, 'notifications.jsonl'),
      bundleFile: await writeWorkflowBundle(path.join(dir, 'workflows.js')),
    });
    const { handle } = await h.startBreach(taskQueue);
    await fillAndApprove(handle, list);

    // Kill once the answered messages are recorded as sent and more sit at the server unanswered:
    // the worker dies mid-send on any machine, however fast.
    const sentRows = () => h.database.prisma.breachDelivery.count({ where: { status: 'sent' } });
    await until(async () => ((await sentRows()) === ANSWERED && h.smtp.heldMessages().length > 0 ? true : undefined), 300_000);
    await child.kill();
    await until(async () => (h.smtp.idle() ? true : undefined)); // its connections are gone: nothing more arrives from it
    const atKill = h.smtp.messages.slice();
    const inFlight = new Set(atKill.slice(ANSWERED).flatMap((m) => m.to));
    expect(inFlight.size).toBeGreaterThan(0);
    expect(atKill.length).toBeLessThan(CONTACTS); // some, not all, reached the server
    expect(await sentRows()).toBe(ANSWERED);
    h.smtp.releaseReplies();

    // A second worker takes over; its claims expire after the same short lease.
    const shortLease = createBreachMailActivities({
      db: h.database.prisma,
      mailer: h.mailer,
      from: 'privacy@example.com',
      companyName: 'Example Ltd',
      claimLeaseMs: LEASE_MS,
    });
    const second = await h.createWorker(taskQueue, { extraActivities: shortLease });
    const state = await second.runUntil(async () => {
      // The killed attempts time out after 30 s of server time; the clock must move for that.
      for (let step = 0; step < 120; step++) {
        const s = await handle.query(msg.breachStateQuery);
        if (s.status === 'sent') return s;
        await h.env.sleep(MINUTE);
      }
      throw new Error('the notices were not all sent within two simulated hours');
    });

    expect(state.deliveries).toHaveLength(CONTACTS);
    expect(state.deliveries.every((d) => d.status === 'sent')).toBe(true);
    const rows = await h.database.prisma.breachDelivery.findMany({ where: { breachId: state.id } });
    expect(rows).toHaveLength(CONTACTS);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    // None lost, and a second copy exactly where a message was at the server, unanswered, at the kill.
    for (const email of contacts) expect({ email, copies: h.smtp.countTo(email) }).toEqual({ email, copies: inFlight.has(email) ? 2 : 1 });
    expect(h.smtp.messages).toHaveLength(CONTACTS + inFlight.size);
    for (const d of state.deliveries) {
      const ids = h.smtp.messages.filter((m) => m.to.includes(d.email)).map((m) => m.messageId);
      expect(new Set(ids)).toEqual(new Set([breachMessageId(d.key)]));
    }
    // The crash is not taken for a mail failure: nobody was told the mail server refused.
    const alarms = await h.database.prisma.timelineEntry.findMany({ where: { kind: 'breach_delivery_failing' } });
    expect(alarms.map((a) => a.text)).toEqual([]);
  } finally {
    await child?.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a mail server refusing connections for hours: officers told at once and hourly, nothing sent, then each contact gets exactly one notice', async () => {
  await h.withWorker(async (tq) => {
    const { handle, incidentId } = await h.startBreach(tq);
    await h.smtp.stopListening();
    const approved = await fillAndApprove(handle, affectedCustomers('s', 2));
    const approvedAt = Date.parse(approved.approvedAt ?? '');

    await advance(190 * MINUTE);
    const elapsed = (await h.env.currentTimeMs()) - approvedAt;
    const attempts = promisedAttempts(elapsed);
    const expectedMinutes = promisedTroubleNotices(attempts).map((at) => Math.floor(at / MINUTE));
    expect(expectedMinutes).toEqual([0, 62, 122, 182]); // the schedule this test relies on

    const notices = await h.database.prisma.timelineEntry.findMany({
      where: { incidentId, kind: 'breach_delivery_failing' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(notices.map((n) => Math.floor((n.occurredAt.getTime() - approvedAt) / MINUTE))).toEqual(expectedMinutes);
    expect(notices[0]?.text).toContain('ECONNREFUSED'); // refused connections, not a polite 451
    const told = h.told.filter((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_failing');
    expect(told).toHaveLength(expectedMinutes.length);
    for (const t of told) expect(t.audience).toEqual(expect.arrayContaining(['U0DPO', 'incident-channel']));
    expect(told[0]?.text).toContain('keeps retrying');

    const during = await handle.query(msg.breachStateQuery);
    expect(during.deliveries).toHaveLength(4);
    expect(during.deliveries.every((d) => d.status === 'pending')).toBe(true);
    const rows = await h.database.prisma.breachDelivery.findMany({ where: { breachId: during.id } });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ['pending', attempts.length]));
    expect(h.smtp.messages).toHaveLength(0);

    await h.smtp.listenAgain();
    await advance(10 * MINUTE); // past the longest pause (5 min)
    const state = await h.untilAllSent(handle, 120_000);
    expect(state.deliveries.every((d) => d.status === 'sent')).toBe(true);
    for (const d of state.deliveries) expect(h.smtp.countTo(d.email)).toBe(1);
    expect(h.smtp.messages).toHaveLength(4);
  });
});

test('a mail server answering 451 is retried after 30 s, 60 s, 120 s, 240 s, then every 5 min (workflow time, to the second)', async () => {
  await h.withWorker(async (tq) => {
    const { handle, incidentId } = await h.startBreach(tq);
    h.smtp.setTransientFailure(true);
    const oneContact = [{ name: 'Customer T1 GmbH', contacts: ['security@ct1.example'], dataAffected: 'billing names and addresses' }];
    await fillAndApprove(handle, oneContact);
    await advance(30 * MINUTE);

    const { events } = await handle.fetchHistory();
    const sends = new Map<string, number>(); // scheduled event id -> when
    const started: number[] = [];
    const failed: number[] = [];
    for (const e of events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'sendBreachNotice') {
        sends.set(String(e.eventId), eventMs(e.eventTime));
        started.push(eventMs(e.eventTime));
      }
      const failure = e.activityTaskFailedEventAttributes;
      if (failure && sends.has(String(failure.scheduledEventId))) failed.push(eventMs(e.eventTime));
    }
    const attempts = promisedAttempts(30 * MINUTE);
    expect(attempts).toHaveLength(9); // 0, 30 s, 1.5, 3.5, 7.5, 12.5, 17.5, 22.5, 27.5 min
    expect(started).toHaveLength(attempts.length);
    expect(failed).toHaveLength(attempts.length);
    // The pause from one attempt's failure to the next attempt, whole seconds of workflow time.
    const pauses = started.slice(1).map((at, i) => Math.floor((at - (failed[i] ?? NaN)) / 1000));
    expect(pauses).toEqual([30, 60, 120, 240, 300, 300, 300, 300]);
    expect(pauses).toEqual(attempts.slice(1).map((_, n) => promisedPause(n) / 1000));

    const notices = h.told.filter((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_failing');
    expect(notices).toHaveLength(1); // at once, and not again within the hour
    expect(notices[0]?.text).toContain('451');
    h.smtp.setTransientFailure(false);
  });
});
