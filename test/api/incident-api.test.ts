// The HTTP API against a running stack: real Temporal dev server, real
// PostgreSQL, the real worker.
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { call, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const post = (path: string, body?: unknown) => call(t.url, 'POST', path, body ?? {});
const get = (path: string) => call(t.url, 'GET', path);

test('healthz reports the database and Temporal', async () => {
  const res = await get('/healthz');
  expect(res).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'ok', temporal: 'ok', workflows: 'ok' } } });
});

test('an incident runs its whole lifecycle through the API and every step is recorded', async () => {
  const declared = await post('/incidents', {
    title: 'Checkout returns 500',
    severity: 'SEV2',
    summary: 'Card payments fail',
    declaredBy: 'U-alice',
  });
  expect(declared.status).toBe(201);
  const id: string = declared.body.id;
  expect(id).toMatch(/^INC-\d{8}-/);
  expect(declared.body.status).toBe('DECLARED');

  const steps: [string, unknown][] = [
    ['acknowledge', { actor: 'U-bob' }],
    ['triage', { actor: 'U-bob', severity: 'SEV1' }],
    ['roles', { actor: 'U-bob', role: 'scribe', userId: 'U-carol' }],
    ['status-updates', { actor: 'U-bob', text: 'Payments provider failing over' }],
    ['severity', { actor: 'U-bob', severity: 'SEV2', reason: 'only EU affected' }],
    ['mitigate', { actor: 'U-bob', note: 'traffic moved to backup provider' }],
    ['resolve', { actor: 'U-bob' }],
    ['postmortem/start', { actor: 'U-bob' }],
    ['actions', { actor: 'U-bob', title: 'Alert on provider error rate', owner: 'U-dan' }],
    ['postmortem/complete', { actor: 'U-bob', document: '# Postmortem\n\nProvider outage.' }],
    ['actions/A1/done', { actor: 'U-dan' }],
    ['close', { actor: 'U-bob' }],
  ];
  for (const [path, body] of steps) {
    const res = await post(`/incidents/${id}/${path}`, body);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
  }

  const state = await get(`/incidents/${id}`);
  expect(state.body).toMatchObject({ status: 'CLOSED', severity: 'SEV2', roles: { commander: 'U-bob', scribe: 'U-carol' } });

  const timeline = await get(`/incidents/${id}/timeline`);
  expect(timeline.body.timeline.map((e: { kind: string }) => e.kind)).toEqual([
    'declared',
    'acknowledged',
    'triaged',
    'role_assigned',
    'status_update',
    'severity_changed',
    'mitigated',
    'resolved',
    'postmortem_started',
    'action_added',
    'postmortem_completed',
    'action_done',
    'closed',
  ]);

  const db = t.database.prisma;
  const row = await db.incident.findUniqueOrThrow({ where: { id }, include: { roles: true, postmortem: { include: { actions: true } } } });
  expect(row.status).toBe('CLOSED');
  for (const at of [row.acknowledgedAt, row.triagedAt, row.mitigatedAt, row.resolvedAt, row.postmortemAt, row.closedAt]) {
    expect(at).toBeInstanceOf(Date);
  }
  expect(row.postmortem?.document).toContain('Provider outage');
  expect(row.postmortem?.actions).toEqual([expect.objectContaining({ title: 'Alert on provider error rate', owner: 'U-dan', doneAt: expect.any(Date) })]);
  expect(await db.statusUpdate.count({ where: { incidentId: id } })).toBe(1);
  expect(await db.auditEvent.count({ where: { entityId: id } })).toBe(13);

  const listed = await get('/incidents?status=all');
  expect(listed.body.incidents.map((i: { id: string }) => i.id)).toContain(id);
  const open = await get('/incidents');
  expect(open.body.incidents.map((i: { id: string }) => i.id)).not.toContain(id);

  const afterClose = await post(`/incidents/${id}/status-updates`, { actor: 'U-bob', text: 'late' });
  expect(afterClose).toEqual({ status: 409, body: { error: `incident ${id} is closed` } });
});

test('bad input gets a clear 4xx and changes nothing', async () => {
  const bad = await post('/incidents', { title: '', severity: 'SEV9', declaredBy: 'U-a', extra: 1 });
  expect(bad.status).toBe(400);
  expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'severity', 'title']);

  expect((await get('/incidents/not-an-id')).status).toBe(400);
  expect(await get('/incidents/INC-20200101-zzzz')).toEqual({ status: 404, body: { error: 'no incident INC-20200101-zzzz' } });

  const { body } = await post('/incidents', { title: 'Disk full', severity: 'SEV3', declaredBy: 'U-a' });
  const early = await post(`/incidents/${body.id}/close`, { actor: 'U-a' });
  expect(early).toEqual({ status: 409, body: { error: 'cannot close an incident that is declared' } });
  const noActor = await post(`/incidents/${body.id}/acknowledge`, {});
  expect(noActor.status).toBe(400);
  const timeline = await get(`/incidents/${body.id}/timeline`);
  expect(timeline.body.timeline).toHaveLength(1);
});

test('notes are added to the timeline', async () => {
  const { body } = await post('/incidents', { title: 'Login slow', severity: 'SEV3', declaredBy: 'U-a' });
  expect((await post(`/incidents/${body.id}/notes`, { actor: 'U-b', text: 'Pinned: graph of p99' })).status).toBe(202);
  await eventually(async () => {
    const tl = await get(`/incidents/${body.id}/timeline`);
    expect(tl.body.timeline[1]).toMatchObject({ kind: 'note', actor: 'U-b', text: 'Pinned: graph of p99' });
  });
});

test('a change sent twice with one Idempotency-Key is applied once; another key applies again; a malformed key is refused', async () => {
  const declared = await post('/incidents', { title: 'Retried client', severity: 'SEV3', declaredBy: 'U-alice' });
  const id: string = declared.body.id;
  const update = (key: string) =>
    call(t.url, 'POST', `/incidents/${id}/status-updates`, { actor: 'U-bob', text: 'Cache flushed' }, { 'idempotency-key': key });

  const first = await update('retry-me-1');
  const again = await update('retry-me-1'); // the client did not see the answer and sent it again
  expect([first.status, again.status]).toEqual([200, 200]);
  expect(again.body.lastStatusUpdateAt).toBe(first.body.lastStatusUpdateAt);
  const kinds = async () => (await get(`/incidents/${id}/timeline`)).body.timeline.map((e: { kind: string }) => e.kind);
  expect((await kinds()).filter((k: string) => k === 'status_update')).toHaveLength(1);

  expect((await update('retry-me-2')).status).toBe(200);
  expect((await kinds()).filter((k: string) => k === 'status_update')).toHaveLength(2);

  // Notes (a signal, not an update) too: the key travels to the workflow, which adds the note once.
  const note = (text: string, key?: string) => call(t.url, 'POST', `/incidents/${id}/notes`, { actor: 'U-bob', text }, key ? { 'idempotency-key': key } : {});
  expect((await note('Retried note', 'note-1')).status).toBe(202);
  expect((await note('Retried note', 'note-1')).status).toBe(202);
  expect((await note('Retried note')).status).toBe(202);
  expect((await note('Last note', 'note-2')).status).toBe(202);
  const notes = async () =>
    (await get(`/incidents/${id}/timeline`)).body.timeline.filter((e: { kind: string }) => e.kind === 'note').map((e: { text: string }) => e.text);
  // Notes are recorded in the order they came: once the last is there, so is every earlier one.
  await eventually(async () => expect(await notes()).toContain('Last note'));
  expect(await notes()).toEqual(['Retried note', 'Retried note', 'Last note']);

  const bad = await update('has spaces in it');
  expect(bad.status).toBe(400);
  expect(bad.body.issues[0].message).toContain('Idempotency-Key');
  expect((await kinds()).filter((k: string) => k === 'status_update')).toHaveLength(2);
});

test('GET /audit/verify: 200 while the audit chain holds, 409 naming the row once a superuser has changed one', async () => {
  const declared = await post('/incidents', { title: 'Audited', severity: 'SEV3', declaredBy: 'U-alice' });
  const id: string = declared.body.id;
  await eventually(async () => expect((await t.database.prisma.auditEvent.count({ where: { entityId: id } })) > 0).toBe(true));
  const clean = await get('/audit/verify');
  expect(clean.status).toBe(200);
  expect(clean.body).toEqual({ rows: expect.any(Number), ok: true });

  const row = await t.database.prisma.auditEvent.findFirstOrThrow({ where: { entityId: id }, orderBy: { chainSeq: 'asc' } });
  const client = new Client({ connectionString: t.database.url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(`UPDATE audit_events SET actor = 'U-mallory' WHERE event_id = $1`, [row.eventId]);
  } finally {
    await client.end();
  }
  const broken = await get('/audit/verify');
  expect(broken).toEqual({ status: 409, body: { rows: expect.any(Number), ok: false, firstBroken: { chainSeq: Number(row.chainSeq), eventId: row.eventId, reason: 'content changed' } } });
});
