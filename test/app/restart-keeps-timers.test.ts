// README, Quick start: "State lives in ./.rampart/ …, so stopping and starting
// Rampart keeps every incident and every pending timer." `npm start` (tsx
// src/main.ts) runs as a child process with its own data directory: an incident
// is declared, Rampart is stopped with SIGINT while the acknowledgement timer is
// pending, and started again; the missed acknowledgement is escalated by the
// second run.
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { findFreePorts } from '../../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { eventually } from '../support/eventually';
import { processesOf, waitUntilGone } from '../support/process-table';
import { rampartEnv, startRampart, type RampartProcess } from '../support/rampart-process';
import { call } from '../support/stack';
import { REPO_ROOT } from '../support/tsx-process';

jest.setTimeout(600_000);

/**
 * SEV4's acknowledgement window in this test. Long enough for declaring and
 * stopping to happen inside it on a slow machine; the test checks the order of
 * events (stopped, then escalated by the second run), never how long anything took.
 */
const ACK_WINDOW = '90s';

let temp: TempDataDir;
const running: RampartProcess[] = [];
beforeAll(async () => {
  temp = await makeTempDataDir('rampart-restart-');
});
afterAll(async () => {
  // Whatever happened: no process of this test (or server it started) outlives it.
  for (const rampart of running) await rampart.kill().catch(() => undefined);
  await temp?.remove();
});

/** policy.yaml with a short acknowledgement window for SEV4 only. */
async function writePolicy(file: string): Promise<void> {
  const policy = parse(await readFile(path.join(REPO_ROOT, 'policy.yaml'), 'utf8')) as {
    incident: { severities: Record<string, { acknowledgeWithin: string }> };
  };
  const sev4 = policy.incident.severities.SEV4;
  if (!sev4) throw new Error('policy.yaml has no SEV4');
  sev4.acknowledgeWithin = ACK_WINDOW;
  await writeFile(file, stringify(policy));
}

interface TimelineEntry {
  kind: string;
  actor: string;
  text: string;
  occurredAt: string;
}

test('an acknowledgement timer pending when Rampart stops fires after it starts again', async () => {
  const policyFile = path.join(path.dirname(temp.dataDir), 'policy.yaml');
  await writePolicy(policyFile);
  const env = rampartEnv({
    RAMPART_DATA_DIR: temp.dataDir,
    RAMPART_POLICY_FILE: policyFile,
    ...(await findFreePorts(3).then(([api, dev, ui]) => ({ PORT: String(api), RAMPART_TEMPORAL_DEV_PORT: String(dev), RAMPART_TEMPORAL_UI_PORT: String(ui) }))),
  });
  // The embedded PostgreSQL and the Temporal dev server name the data directory on their command lines.
  const servers = { marker: temp.dataDir };

  const first = await startRampart(env, temp.dataDir);
  running.push(first);
  const url = first.apiUrl ?? '';
  const declared = await call(url, 'POST', '/incidents', { title: 'Disk filling on db-2', severity: 'SEV4', declaredBy: 'alice' });
  expect(declared.status).toBe(201);
  const id: string = declared.body.id;
  const timelineUrl = `/incidents/${id}/timeline`;
  const before = await call(url, 'GET', timelineUrl);
  expect(before.body.timeline.map((e: TimelineEntry) => e.kind)).toEqual(['declared']);
  // The quick start encrypts its payloads with a key it made in the data directory, kept for the next start.
  const keyFile = path.join(temp.dataDir, 'encryption-keys');
  expect(first.output()).toContain(`payloads: encrypted (AES-256-GCM, key k1 from ${keyFile})`);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  expect(processesOf(servers).map((p) => p.command)).toEqual(
    expect.arrayContaining([expect.stringContaining('bin/postgres -D'), expect.stringContaining('temporal server start-dev')]),
  );

  await stopAndExpectGone(first, servers);

  const restartedAt = Date.now();
  const second = await startRampart(env, temp.dataDir);
  running.push(second);
  const escalated = await eventually(async () => {
    const { body } = await call(second.apiUrl ?? '', 'GET', timelineUrl);
    const timeline = body.timeline as TimelineEntry[];
    expect(timeline.map((e) => e.kind).slice(0, 2)).toEqual(['declared', 'ack_escalated']);
    return timeline;
  }, 300_000);

  // The incident and its timeline were kept, and the timer was still pending
  // when the first run stopped: the second run escalated it.
  expect(escalated[0]).toEqual(before.body.timeline[0]);
  expect(escalated[1]).toMatchObject({ actor: 'rampart', text: expect.stringContaining('escalating to on-call') });
  expect(Date.parse(escalated[1]?.occurredAt ?? '')).toBeGreaterThan(restartedAt);

  await stopAndExpectGone(second, servers);
});

/** SIGINT; an orderly exit, and nothing it started still running. */
async function stopAndExpectGone(rampart: RampartProcess, servers: { marker: string }): Promise<void> {
  expect(await rampart.stop()).toEqual({ code: 0, signal: null });
  expect(rampart.output()).toContain('rampart: SIGINT received, shutting down');
  expect((await waitUntilGone(servers)).map((p) => p.command)).toEqual([]);
  expect((await waitUntilGone({ pgid: rampart.pid })).map((p) => p.command)).toEqual([]);
}
