// The 24-hour customer notice on the time-skipping server, with the real send
// activity, a real SMTP server on loopback and real PostgreSQL records.
import { breachHarnessPerFile, HOUR, affectedCustomers as customers, completeNotice as notice, until } from '../support/breach-harness';
import type { SendBreachNoticeInput, SendBreachNoticeResult } from '../../src/domain/breach';
import * as msg from '../../src/workflows/breach/messages';

jest.setTimeout(240_000);
const harness = breachHarnessPerFile();

test('approved at T0+3h: every contact gets one notice with the four elements, well before the deadline', async () => {
  const h = harness();
  await h.withWorker(async (tq) => {
    const { handle, t0 } = await h.startBreach(tq);
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('a', 3) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await h.env.sleep(3 * HOUR);
    const approved = await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    expect(approved.deliveries).toHaveLength(6);

    const state = await until(async () => {
      const s = await handle.query(msg.breachStateQuery);
      return s.status === 'sent' ? s : undefined;
    });
    expect(state.deliveries.every((d) => d.status === 'sent' && !d.late)).toBe(true);
    for (const d of state.deliveries) expect(h.smtp.countTo(d.email)).toBe(1);
    // Judged on the server's (skipped) clock, like the deadline: the last notice went
    // out within the hour after approval at T0+3h, 20 hours before the deadline.
    const approvedAt = Date.parse(state.approvedAt!);
    expect(Math.round((approvedAt - t0) / 60_000)).toBe(180);
    expect(Date.parse(state.completedAt!) - approvedAt).toBeLessThan(HOUR);
    expect(Date.parse(state.deadline) - Date.parse(state.completedAt!)).toBeGreaterThan(20 * HOUR);
    const mail = h.smtp.messages.find((m) => m.to.includes('security@ca1.example'));
    expect(mail?.parsed.text).toContain(notice.impact);
    expect(mail?.parsed.html).toBeTruthy();
    expect(h.told.filter((t) => t.kind === 'breach_reminder' && t.incidentId === state.incidentId)).toHaveLength(0);

    const rows = await h.database.prisma.breachDelivery.findMany({ where: { breachId: state.id } });
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('sent'));
    // The snapshot is written just after the state changes: wait for it.
    const breach = await until(async () => {
      const row = await h.database.prisma.breach.findUniqueOrThrow({ where: { id: state.id } });
      return row.completedAt ? row : undefined;
    });
    expect(breach.completedAt).toBeInstanceOf(Date);
    expect(breach.missedAt).toBeNull();

    await handle.executeUpdate(msg.authorityNotifiedUpdate, { args: [{ actor: 'U0DPO', reference: 'ICO-2026-1234' }] });
    expect((await handle.result()).authority.reference).toBe('ICO-2026-1234');
  });
});

test('never approved: every ladder step fires at its hour, the miss is recorded at T0+24h and escalated; late notices are flagged', async () => {
  const h = harness();
  await h.withWorker(async (tq) => {
    const { handle, t0, incidentId } = await h.startBreach(tq);
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('b', 1) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: { ...notice, impact: '' } }] });
    await expect(handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] })).rejects.toMatchObject({
      cause: { message: expect.stringContaining('likely impact') },
    });
    await expect(handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0BOB' }] })).rejects.toMatchObject({
      cause: { message: expect.stringContaining('only a privacy/security officer') },
    });

    await h.env.sleep(24 * HOUR + 30 * 60_000);
    const timeline = await h.database.prisma.timelineEntry.findMany({ where: { incidentId }, orderBy: { occurredAt: 'asc' } });
    const hoursOf = (kind: string) => timeline.filter((e) => e.kind === kind).map((e) => Math.floor((e.occurredAt.getTime() - t0) / HOUR));
    expect(hoursOf('breach_reminder')).toEqual([12, 18, 22, 23]);
    expect(hoursOf('breach_deadline_missed')).toEqual([24]);
    const escalation = h.told.find((t) => t.incidentId === incidentId && t.kind === 'breach_deadline_missed');
    expect(escalation?.audience).toEqual(expect.arrayContaining(['U0DPO', 'incident-channel', 'executive']));
    expect((await h.database.prisma.breach.findFirstOrThrow({ where: { incidentId } })).missedAt).toBeInstanceOf(Date);

    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    const state = await until(async () => {
      const s = await handle.query(msg.breachStateQuery);
      return s.status === 'sent' ? s : undefined;
    });
    expect(state.deliveries.every((d) => d.late)).toBe(true);
    // Recorded the minute the deadline passed, T0 + 24 h.
    expect(Math.round((Date.parse(state.missedAt!) - t0) / 60_000)).toBe(24 * 60);
  });
});

test('a rejected address goes back to the officer, is corrected and sent', async () => {
  const h = harness();
  await h.withWorker(async (tq) => {
    const { handle, incidentId } = await h.startBreach(tq);
    const list = customers('x', 1);
    list[0]!.contacts = ['nobody@reject.example'];
    h.smtp.rejectRecipient('nobody@reject.example');
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: list }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await until(async () => (h.told.some((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_rejected') ? true : undefined));
    const rejected = (await handle.query(msg.breachStateQuery)).deliveries[0];
    expect(rejected?.status).toBe('rejected');

    await handle.executeUpdate(msg.correctContactUpdate, {
      args: [{ actor: 'U0DPO', customerId: 'C1', email: 'nobody@reject.example', newEmail: 'security@fixed.example' }],
    });
    await until(async () => ((await handle.query(msg.breachStateQuery)).status === 'sent' ? true : undefined));
    expect(h.smtp.countTo('security@fixed.example')).toBe(1);
  });
});

test('customers are validated: real addresses, no duplicates; nothing changes after approval', async () => {
  const h = harness();
  await h.withWorker(async (tq) => {
    const { handle } = await h.startBreach(tq);
    const bad = (customersList: unknown, message: string) =>
      expect(handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customersList as never }] })).rejects.toMatchObject({
        cause: { message: expect.stringContaining(message) },
      });
    await bad([{ name: 'A', contacts: ['not-an-email'], dataAffected: 'x' }], 'is not an email address');
    await bad([{ name: 'A', contacts: ['a@a.example', 'A@a.example'], dataAffected: 'x' }], 'listed twice');
    await bad([{ name: 'A', contacts: ['a@a.example'], dataAffected: '' }], 'does not say what data');
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('v', 1) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await bad(customers('w', 1), 'sending has started');
  });
});

test('only an officer may request changes; after approval neither the notice nor the customers can change', async () => {
  const h = harness();
  await h.withWorker(async (tq) => {
    const { handle } = await h.startBreach(tq);
    const refused = (update: Promise<unknown>, message: string) =>
      expect(update).rejects.toMatchObject({ cause: { message: expect.stringContaining(message) } });
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('f', 1) }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });

    await refused(handle.executeUpdate(msg.requestChangesUpdate, { args: [{ actor: 'U0BOB', comment: 'shorter please' }] }), 'only a privacy/security officer');
    expect((await handle.query(msg.breachStateQuery)).changesRequested).toBeUndefined();
    const asked = await handle.executeUpdate(msg.requestChangesUpdate, { args: [{ actor: 'U0DPO', comment: 'name the billing service' }] });
    expect(asked.changesRequested).toMatchObject({ by: 'U0DPO', comment: 'name the billing service' });

    const fixed = { ...notice, nature: `${notice.nature} (billing service)` };
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: fixed }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    await refused(handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] }), 'sending has started');
    await refused(handle.executeUpdate(msg.requestChangesUpdate, { args: [{ actor: 'U0DPO', comment: 'too late' }] }), 'sending has started');
    await refused(handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: customers('g', 1) }] }), 'sending has started');

    const sent = await h.untilAllSent(handle);
    expect(sent.notice).toEqual(fixed); // what was approved is what went out
    const mail = h.smtp.messages.find((m) => m.to.includes('security@cf1.example'));
    expect(mail?.parsed.text).toContain('(billing service)');
  });
});

test('two addresses rejected at the same moment: both rejections reach the officers, each under its own key', async () => {
  const h = harness();
  // Both sends answer "rejected" together, so both results reach the workflow in one go.
  let arrived = 0;
  let releaseBoth: () => void = () => undefined;
  const together = new Promise<void>((resolve) => (releaseBoth = resolve));
  const sendBreachNotice = async (input: SendBreachNoticeInput): Promise<SendBreachNoticeResult> => {
    if ((arrived += 1) === 2) releaseBoth();
    await together;
    return { status: 'rejected', error: `550 5.1.1 <${input.email}>: no such user` };
  };
  await h.withWorker(async (tq) => {
    const { handle, incidentId } = await h.startBreach(tq);
    const list = customers('z', 2);
    list[0]!.contacts = ['first@reject.example'];
    list[1]!.contacts = ['second@reject.example'];
    await handle.executeUpdate(msg.setCustomersUpdate, { args: [{ actor: 'U0BOB', customers: list }] });
    await handle.executeUpdate(msg.setNoticeUpdate, { args: [{ actor: 'U0BOB', notice }] });
    await handle.executeUpdate(msg.approveUpdate, { args: [{ actor: 'U0DPO' }] });
    const rejections = await until(async () => {
      const told = h.told.filter((t) => t.incidentId === incidentId && t.kind === 'breach_delivery_rejected');
      return told.length >= 2 ? told : undefined;
    });
    expect(rejections.map((r) => r.text).sort()).toEqual([
      expect.stringContaining('<first@reject.example> was rejected'),
      expect.stringContaining('<second@reject.example> was rejected'),
    ]);
    // Distinct keys: a connector delivering once per key (Slack) posts both. Keys come
    // from a count of notifications, not from the next timeline event (which two
    // notifications decided in one workflow task used to share).
    expect(new Set(rejections.map((r) => r.eventId)).size).toBe(2);
    const keys = h.told.filter((t) => t.incidentId === incidentId).map((t) => t.eventId);
    expect(keys).toEqual(keys.map((_, i) => `${incidentId}-breach:n${i + 1}`));
  }, { sendBreachNotice });
});
