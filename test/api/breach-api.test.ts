// Breach notification through the HTTP API on a running stack: suspect, verify,
// customers from CSV, a notice that must state the four elements, approval,
// delivery through a real SMTP server, and the proof in GET /breaches/:id.
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import { eventually } from '../support/eventually';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { call, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
let smtp: TestSmtpServer;
let mailer: Mailer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
  const policy = loadPolicy();
  policy.breach.officers = ['dpo'];
  t = await startTestStack({}, { mailer, policy });
});
afterAll(async () => {
  await t?.stop();
  await mailer?.close();
  await smtp?.stop();
});

const post = (path: string, body: unknown) => call(t.url, 'POST', path, body);
const notice = {
  nature: 'An attacker used a leaked API key to read the customer database of the billing service.',
  impact: 'Names, billing addresses and the last four digits of card numbers may have been read.',
  mitigation: 'The key was revoked within an hour and all keys were rotated.',
  contact: 'Dana Privacy, Data Protection Officer, dpo@example.com',
};

test('suspect, verify, customers by CSV, approve: every contact is notified and the proof is readable', async () => {
  const { body: incident } = await post('/incidents', { title: 'Billing DB exposure', severity: 'SEV1', declaredBy: 'alice' });
  const id: string = incident.id;
  expect((await post(`/incidents/${id}/breach/suspect`, { actor: 'alice' })).status).toBe(200);
  const notOfficer = await post(`/incidents/${id}/breach/verify`, { actor: 'alice' });
  expect(notOfficer).toEqual({ status: 409, body: { error: 'only a privacy/security officer may verify a breach' } });
  const verified = await post(`/incidents/${id}/breach/verify`, { actor: 'dpo' });
  expect(verified.status).toBe(200);
  const breachId = verified.body.breach.workflowId;
  expect(breachId).toBe(`${id}-breach`);

  const csv = 'customer,email,data_affected\nAcme GmbH,security@acme.example,billing addresses\nAcme GmbH,ceo@acme.example,\n"Globex, Inc.",privacy@globex.example,card last four digits\n';
  const customers = await eventually(async () => {
    const res = await fetch(`${t.url}/breaches/${breachId}/customers?actor=alice`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(200);
    return (await res.json()) as { customers: { name: string; contacts: string[] }[] };
  });
  expect(customers.customers.map((c) => [c.name, c.contacts.length])).toEqual([
    ['Acme GmbH', 2],
    ['Globex, Inc.', 1],
  ]);

  const incomplete = await call(t.url, 'PUT', `/breaches/${breachId}/notice`, { actor: 'alice', notice: { ...notice, mitigation: '' } });
  expect(incomplete.status).toBe(400);
  expect(JSON.stringify(incomplete.body.issues)).toContain('mitigation');
  expect((await call(t.url, 'PUT', `/breaches/${breachId}/notice`, { actor: 'alice', notice })).status).toBe(200);

  const early = await call(t.url, 'GET', `/breaches/${breachId}`);
  expect(early.body).toMatchObject({ approval: 'awaiting_approval', status: 'awaiting_approval' });
  expect(early.body.timeLeftMinutes).toBeGreaterThan(23 * 60);

  expect((await post(`/breaches/${breachId}/approve`, { actor: 'alice' })).status).toBe(409);
  expect((await post(`/breaches/${breachId}/approve`, { actor: 'dpo' })).status).toBe(200);

  const done = await eventually(async () => {
    const res = await call(t.url, 'GET', `/breaches/${breachId}`);
    expect(res.body.status).toBe('sent');
    return res.body;
  }, 30_000);
  expect(done.deliveries).toHaveLength(3);
  for (const d of done.deliveries) {
    expect(d).toMatchObject({ status: 'sent', late: false });
    expect(d.marginMinutes).toBeGreaterThan(23 * 60);
    expect(smtp.countTo(d.email)).toBe(1);
  }
  expect(done.page).toEqual({ offset: 0, limit: 100, customers: done.customers.length, contacts: 3, deliveries: 3 });
  expect(done.deliveryCounts).toMatchObject({ total: 3, sent: 3, pending: 0 });

  // A long breach is read a page at a time, or by status; a page too large is refused.
  const second = await call(t.url, 'GET', `/breaches/${breachId}?offset=1&limit=1`);
  expect(second.body.deliveries).toEqual([done.deliveries[1]]);
  expect(second.body.page).toMatchObject({ offset: 1, limit: 1, deliveries: 3 });
  expect((await call(t.url, 'GET', `/breaches/${breachId}?status=rejected`)).body).toMatchObject({ deliveries: [], page: { deliveries: 0, status: 'rejected' } });
  const tooMany = await call(t.url, 'GET', `/breaches/${breachId}?limit=5000`);
  expect(tooMany.status).toBe(400);
  expect(JSON.stringify(tooMany.body)).toContain('limit');

  await eventually(async () => {
    const timeline = await call(t.url, 'GET', `/incidents/${id}/timeline`);
    const kinds = timeline.body.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['breach_suspected', 'breach_verified', 'breach_clock_started', 'breach_notice_approved', 'breach_notices_sent']));
  });

  const authority = await post(`/breaches/${breachId}/authority-notified`, { actor: 'dpo', reference: 'ICO-123' });
  expect(authority.body.authority.reference).toBe('ICO-123');
});

test('an oversized body is refused with 413 and says the limit: 5 MiB for a CSV, 1 MiB for JSON', async () => {
  const declared = await post('/incidents', { title: 'Big bodies', severity: 'SEV3', declaredBy: 'alice', personalData: true });
  const breachId = `${declared.body.id as string}-breach`;
  const csv = `customer,email,data_affected\n${'Acme,a@acme.example,names\n'.repeat(250_000)}`;
  expect(csv.length).toBeGreaterThan(5 * 1024 * 1024);
  const res = await fetch(`${t.url}/breaches/${breachId}/customers?actor=alice`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: csv });
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 413, body: { error: 'the request body is too large: at most 5 MiB for a CSV' } });

  const big = await post('/incidents', { title: 'Too big', severity: 'SEV3', declaredBy: 'alice', summary: 'x'.repeat(1_100_000) });
  expect(big).toEqual({ status: 413, body: { error: 'the request body is too large: at most 1 MiB for JSON' } });
});
