// The Alertmanager webhook (payload version 4) opens one incident per alert
// group and folds repeats into it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { call, startTestStack, type TestStack } from '../support/stack';

const firing = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/alertmanager-firing.json'), 'utf8'));
const TOKEN = 'test-alertmanager-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ alertmanagerToken: TOKEN });
});
afterAll(async () => {
  await t?.stop();
});

const hook = (body: unknown, headers: Record<string, string> = auth) => call(t.url, 'POST', '/webhooks/alertmanager', body, headers);
const group = (key: string, extra: object = {}) => ({ ...firing, groupKey: key, ...extra });

test('a firing group declares an incident with the mapped severity; repeats are deduplicated', async () => {
  const first = await hook(firing);
  expect(first.status).toBe(201);
  expect(first.body.outcome).toBe('declared');
  const id = first.body.incidentId;

  const state = await call(t.url, 'GET', `/incidents/${id}`);
  expect(state.body).toMatchObject({ severity: 'SEV1', source: 'alertmanager', title: 'Checkout error rate above 5%' });
  expect(state.body.summary).toContain('checkout-1:8080');

  const again = await hook(firing);
  expect(again).toEqual({ status: 200, body: { outcome: 'deduplicated', incidentId: id } });
  const resolved = await hook({ ...firing, status: 'resolved', alerts: firing.alerts.map((a: object) => ({ ...a, status: 'resolved' })) });
  expect(resolved.body).toEqual({ outcome: 'deduplicated', incidentId: id });

  await eventually(async () => {
    const tl = await call(t.url, 'GET', `/incidents/${id}/timeline`);
    expect(tl.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['declared', 'alert_repeated', 'alert_resolved']);
  });
  const rows = await t.database.prisma.incident.count({ where: { source: 'alertmanager', title: 'Checkout error rate above 5%' } });
  expect(rows).toBe(1);
});

test('concurrent deliveries of one new group open exactly one incident', async () => {
  const results = await Promise.all(Array.from({ length: 8 }, () => hook(group('{}:{alertname="DiskFull"}'))));
  const outcomes = results.map((r) => r.body.outcome).sort();
  expect(outcomes.filter((o) => o === 'declared')).toHaveLength(1);
  expect(new Set(results.map((r) => r.body.incidentId)).size).toBe(1);
});

test('a resolved notification for an unknown group is ignored', async () => {
  const ignored = await hook(group('{}:{alertname="Gone"}', { status: 'resolved' }));
  expect(ignored).toEqual({ status: 200, body: { outcome: 'ignored', reason: 'no open incident for this alert group' } });
});

test('a closed incident does not absorb new alerts: the same group opens a new incident', async () => {
  const key = '{}:{alertname="CertExpiry"}';
  const first = await hook(group(key));
  expect(first.body.outcome).toBe('declared');
  const closedId: string = first.body.incidentId;
  for (const [step, body] of [
    ['resolve', { actor: 'U-bob' }],
    ['postmortem/complete', { actor: 'U-bob', document: '# Postmortem' }],
    ['close', { actor: 'U-bob' }],
  ] as const) {
    expect((await call(t.url, 'POST', `/incidents/${closedId}/${step}`, body)).status).toBe(200);
  }

  const again = await hook(group(key));
  expect(again.status).toBe(201);
  expect(again.body.outcome).toBe('declared');
  expect(again.body.incidentId).not.toBe(closedId);
  // The closed incident's timeline did not take the new alert.
  const closed = await call(t.url, 'GET', `/incidents/${closedId}/timeline`);
  expect(closed.body.timeline.map((e: { kind: string }) => e.kind)).not.toContain('alert_repeated');
  const rows = await t.database.prisma.incident.findMany({ where: { id: { in: [closedId, again.body.incidentId] } } });
  expect(rows.map((r) => r.status).sort()).toEqual(['CLOSED', 'DECLARED']);
  expect(new Set(rows.map((r) => r.dedupKey)).size).toBe(1); // same alert group
});

test('the webhook refuses a wrong token and malformed payloads', async () => {
  expect((await hook(firing, { authorization: 'Bearer nope' })).status).toBe(401);
  expect((await hook(firing, {})).status).toBe(401);
  const wrongVersion = await hook({ ...firing, version: '3' });
  expect(wrongVersion.status).toBe(400);
  expect(wrongVersion.body.issues[0].path).toBe('version');
  expect((await hook({ ...firing, alerts: [] })).status).toBe(400);
});
