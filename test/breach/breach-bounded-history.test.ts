// The breach workflow's history stays bounded whatever the number of contacts
// and however long the breach lasts (issue 10, "Bounded history"): recipients
// and deliveries live in PostgreSQL, the workflow carries ids, counts and a
// hash, and a run continues-as-new with its small state. Time-skipping server,
// real PostgreSQL, real loopback SMTP, the real service for the customer list.
import type { WorkflowHandle } from '@temporalio/client';
import * as msg from '../../src/workflows/breach/messages-v2';
import type { BreachStateV2 } from '../../src/workflows/breach/state-v2';
import { breachHarnessPerFile, breachPolicy, completeNotice, HOUR, until } from '../support/breach-harness';
import { measureHistory } from '../support/history-size';

jest.setTimeout(1_800_000);
const harness = breachHarnessPerFile();

/** Temporal refuses a payload over 2 MB; the default history limit is 51,200 events. */
const PAYLOAD_LIMIT = 2 * 1024 * 1024;
const EVENT_LIMIT = 51_200;

function contacts(prefix: string, customers: number, perCustomer: number) {
  return Array.from({ length: customers }, (_, i) => ({
    name: `Customer ${prefix}${i + 1} Ltd`,
    contacts: Array.from({ length: perCustomer }, (_, j) => `c${j + 1}@${prefix}${i + 1}.example`),
    dataAffected: 'names, billing addresses and invoice amounts',
  }));
}

const state = (handle: WorkflowHandle) => handle.query(msg.breachStateQueryV2) as Promise<BreachStateV2>;

async function untilSent(handle: WorkflowHandle, timeoutMs = 1_500_000): Promise<BreachStateV2> {
  return until(async () => {
    const s = await state(handle);
    return s.status === 'sent' ? s : undefined;
  }, timeoutMs);
}

test('5,000 contacts approved through the service: every recorded payload and the state stay small, each contact gets one notice', async () => {
  const h = harness();
  await h.withWorker(async (taskQueue) => {
    const { handle, breachId } = await h.startBreachV2(taskQueue);
    const list = contacts('big', 2_500, 2);
    const service = h.service();
    const recorded = await service.setCustomers(breachId, { actor: 'U0BOB', customers: list });
    // Answers carry one page of the lists and how long they are.
    expect(recorded.customers).toHaveLength(100);
    expect(recorded.page).toMatchObject({ offset: 0, limit: 100, customers: 2_500 });
    await service.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });
    const approved = await service.approve(breachId, { actor: 'U0DPO' });
    expect(approved.page).toMatchObject({ customers: 2_500, deliveries: 5_000 });
    expect(approved.deliveries).toHaveLength(100);

    const done = await untilSent(handle);
    expect(done.deliveries).toMatchObject({ total: 5_000, sent: 5_000, pending: 0, rejected: 0 });
    expect(JSON.stringify(done).length).toBeLessThan(8_192);

    const size = await measureHistory(h.env.client, breachId);
    console.log(`5,000 contacts: ${JSON.stringify(size)}`);
    expect(size.largestEventBytes).toBeLessThan(PAYLOAD_LIMIT / 20);
    expect(size.eventsPerRun.reduce((a, b) => a + b, 0)).toBeLessThan(EVENT_LIMIT / 20);

    const emails = list.flatMap((c) => c.contacts);
    const received = new Map<string, number>();
    for (const m of h.smtp.messages) for (const to of m.to) received.set(to, (received.get(to) ?? 0) + 1);
    expect(received.size).toBe(5_000);
    expect(emails.filter((e) => received.get(e) !== 1)).toEqual([]);
    // Read back a page at a time: every delivery has its proof; the pages cover the list once.
    const seen = new Set<string>();
    for (let offset = 0; offset < 5_000; offset += 1_000) {
      const view = await service.get(breachId, { page: { offset, limit: 1_000 } });
      expect(view.page).toMatchObject({ offset, limit: 1_000, deliveries: 5_000 });
      expect(view.deliveries.filter((d) => d.status !== 'sent' || !d.messageId)).toEqual([]);
      for (const d of view.deliveries) seen.add(d.key);
    }
    expect(seen.size).toBe(5_000);
    expect((await service.get(breachId, { status: 'pending' })).page.deliveries).toBe(0);
  });
});

test('continue-as-new forced every few events while corrections and the authority notice arrive: nothing lost, nothing twice', async () => {
  const h = harness();
  await h.withWorker(async (taskQueue) => {
    const { handle, breachId } = await h.startBreachV2(taskQueue, { continueAsNewAfterEvents: 25 });
    const service = h.service();
    const list = contacts('can', 30, 2);
    const typos = ['c1@can3.example', 'c2@can7.example', 'c1@can20.example'];
    for (const t of typos) h.smtp.rejectRecipient(t);
    await service.setCustomers(breachId, { actor: 'U0BOB', customers: list });
    await service.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });
    await service.approve(breachId, { actor: 'U0DPO' });
    await until(async () => ((await state(handle)).deliveries?.rejected === typos.length ? true : undefined), 600_000);

    // The three corrections and the authority's reference at once, while runs roll over.
    await Promise.all([
      ...typos.map((t) => service.correctContact(breachId, { actor: 'U0DPO', customerId: `C${t.match(/can(\d+)/)?.[1]}`, email: t, newEmail: t.replace('@', '.fixed@') })),
      service.authorityNotified(breachId, { actor: 'U0DPO', reference: 'ICO-2031-0042' }),
    ]);
    // Sent and the authority notified: the workflow completes once every record is written.
    const done = (await handle.result()) as BreachStateV2;
    expect(done.status).toBe('sent');
    expect(done.run).toBeGreaterThan(2);
    expect(done.deliveries).toMatchObject({ total: 60, sent: 60, rejected: 0, replaced: 3, pending: 0 });
    expect(done.authority).toMatchObject({ reference: 'ICO-2031-0042', by: 'U0DPO' });

    for (const c of list) for (const e of c.contacts) expect(h.smtp.countTo(typos.includes(e) ? e.replace('@', '.fixed@') : e)).toBe(1);
    const entries = await h.database.prisma.timelineEntry.findMany({ where: { eventId: { startsWith: `${breachId}:` } } });
    const kinds = (kind: string) => entries.filter((e) => e.kind === kind).length;
    expect(kinds('breach_contact_corrected')).toBe(3);
    expect(kinds('breach_authority_notified')).toBe(1);
    expect(kinds('breach_notices_sent')).toBe(1);
    expect(kinds('breach_delivery_rejected')).toBe(3);
    // One event id per recorded event, numbered without a gap across the runs.
    expect(entries.map((e) => Number(e.eventId.split(':').pop())).sort((a, b) => a - b)).toEqual(
      Array.from({ length: done.eventCount }, (_, i) => i + 1),
    );
    const size = await measureHistory(h.env.client, breachId);
    console.log(`forced continue-as-new: ${JSON.stringify(size)}`);
    expect(size.runs).toBe(done.run);
  });
});

test('200 days of hourly after-miss reminders: the breach continues-as-new and keeps its state and its clock', async () => {
  const h = harness();
  await h.withWorker(async (taskQueue) => {
    const { handle, breachId, t0 } = await h.startBreachV2(taskQueue, { continueAsNewAfterEvents: 2_000 });
    await h.service().setCustomers(breachId, { actor: 'U0BOB', customers: contacts('late', 1, 1) });
    await h.service().authorityNotified(breachId, { actor: 'U0DPO', reference: 'ICO-1' });
    const days = 200;
    const end = t0 + breachPolicy.customerNoticeWithin + days * 24 * HOUR + 30 * 60_000;
    // In hourly steps: one long sleep can stall the time-skipping server.
    for (let now = await h.env.currentTimeMs(); now < end; now = await h.env.currentTimeMs()) {
      await h.env.sleep(Math.min(HOUR, end - now));
    }
    const s = await until(async () => {
      const current = await state(handle);
      return current.afterMissReminders >= (days * 24 * HOUR) / breachPolicy.afterMissRemindEvery ? current : undefined;
    }, 600_000);
    expect(s.afterMissReminders).toBe((days * 24 * HOUR) / breachPolicy.afterMissRemindEvery);
    expect(s.run).toBeGreaterThan(2);
    // The miss recorded at the deadline (by the workflow's clock) in the first run, carried through every later one.
    const missedAt = Date.parse(s.missedAt ?? '');
    expect(missedAt).toBeGreaterThanOrEqual(Date.parse(s.deadline));
    expect(missedAt).toBeLessThan(Date.parse(s.deadline) + 60_000);
    expect(s.customerList).toMatchObject({ customers: 1, contacts: 1 });
    expect(s.authority.reference).toBe('ICO-1');
    expect(s.status).toBe('awaiting_approval');
    const escalations = h.told.filter((n) => n.incidentId === s.incidentId && n.kind === 'breach_deadline_missed');
    expect(new Set(escalations.map((n) => n.eventId)).size).toBe(escalations.length);
    expect(escalations).toHaveLength(s.afterMissReminders + 1);
    const size = await measureHistory(h.env.client, breachId);
    console.log(`200 days after the miss: ${JSON.stringify({ ...size, eventsPerRun: `${size.eventsPerRun.length} runs, max ${Math.max(...size.eventsPerRun)}` })}`);
    expect(Math.max(...size.eventsPerRun)).toBeLessThan(2_100);

    // Still a live breach: approval after 200 days sends, marked late.
    await h.service().setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });
    await h.service().approve(breachId, { actor: 'U0DPO' });
    const done = await untilSent(handle, 600_000);
    expect(done.deliveries).toMatchObject({ sent: 1, late: 1 });
  });
});

test('an update refused by the workflow after the activity (a second correction of one address) leaves the workflow running', async () => {
  const h = harness();
  await h.withWorker(async (taskQueue) => {
    const { handle, breachId } = await h.startBreachV2(taskQueue);
    h.smtp.rejectRecipient('c1@twice1.example');
    const service = h.service();
    await service.setCustomers(breachId, { actor: 'U0BOB', customers: contacts('twice', 1, 2) });
    await service.setNotice(breachId, { actor: 'U0BOB', notice: completeNotice });
    await service.approve(breachId, { actor: 'U0DPO' });
    await until(async () => ((await state(handle)).deliveries?.rejected === 1 ? true : undefined));
    await expect(
      service.correctContact(breachId, { actor: 'U0DPO', customerId: 'C1', email: 'c1@twice1.example', newEmail: 'c2@twice1.example' }),
    ).rejects.toThrow('c2@twice1.example is already a contact of C1');
    await service.correctContact(breachId, { actor: 'U0DPO', customerId: 'C1', email: 'c1@twice1.example', newEmail: 'ok@twice1.example' });
    const done = await untilSent(handle);
    expect(done.deliveries).toMatchObject({ sent: 2, replaced: 1 });
  });
});

