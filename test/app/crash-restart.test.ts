// Issue 10 item 7, "Crash-safe quick start": when `npm start`'s process is killed
// (SIGKILL, as the out-of-memory killer does), its embedded PostgreSQL and Temporal
// dev server outlive it. The next `npm start` in the same data directory stops them
// and starts, with the data the first run had; servers of a Rampart that still runs
// are never taken.
import { findFreePorts } from '../../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { livingProcesses, processesOf, waitUntilGone } from '../support/process-table';
import { rampartEnv, startRampart, type RampartProcess } from '../support/rampart-process';
import { call } from '../support/stack';
import { startTsx, type TsxProcess } from '../support/tsx-process';

jest.setTimeout(600_000);

const temps: TempDataDir[] = [];
const running: TsxProcess[] = [];
afterAll(async () => {
  // Whatever happened: no process of this test, nor a server any run started, outlives it.
  for (const rampart of running) await rampart.kill().catch(() => undefined);
  for (const temp of temps) await temp.remove();
});

/** A fresh data directory and free ports: the settings of a plain `npm start`. */
async function quickStartEnv(): Promise<{ env: NodeJS.ProcessEnv; dataDir: string }> {
  const temp = await makeTempDataDir('rampart-crash-');
  temps.push(temp);
  const env = rampartEnv({
    RAMPART_DATA_DIR: temp.dataDir,
    ...(await findFreePorts(3).then(([api, dev, ui]) => ({ PORT: String(api), RAMPART_TEMPORAL_DEV_PORT: String(dev), RAMPART_TEMPORAL_UI_PORT: String(ui) }))),
  });
  return { env, dataDir: temp.dataDir };
}

async function start(env: NodeJS.ProcessEnv, dataDir: string): Promise<RampartProcess> {
  const rampart = await startRampart(env, dataDir);
  running.push(rampart);
  return rampart;
}

test('after npm start is SIGKILLed, the next start in its data directory stops the servers it left and keeps its incidents', async () => {
  const { env, dataDir } = await quickStartEnv();
  // The embedded PostgreSQL and the Temporal dev server name the data directory on their command lines.
  const servers = { marker: dataDir };

  const first = await start(env, dataDir);
  const declared = await call(first.apiUrl ?? '', 'POST', '/incidents', { title: 'Disk filling on db-2', severity: 'SEV2', declaredBy: 'alice' });
  expect(declared.status).toBe(201);
  const id: string = declared.body.id;
  const postgres = onlyOne(processesOf(servers).filter((p) => p.command.includes('bin/postgres -D')));
  const devServer = onlyOne(processesOf(servers).filter((p) => p.command.includes('temporal server start-dev')));

  // The node process that runs src/main.ts alone, as the OOM killer would pick it: not
  // tsx's wrapper, not the process group. The wrapper exits with it.
  const main = onlyOne(processesOf({ pgid: first.pid }).filter((p) => p.pid !== first.pid && p.command.includes('src/main.ts')));
  process.kill(main.pid, 'SIGKILL');
  await first.exited;
  expect(alivePids()).not.toContain(main.pid);
  // What made the next start fail: both servers outlive it.
  expect(alivePids()).toEqual(expect.arrayContaining([postgres.pid, devServer.pid]));

  const second = await start(env, dataDir);
  expect(second.output()).toContain(`embedded postgres: stopped PostgreSQL (pid ${postgres.pid}) that an earlier run left running in`);
  expect(second.output()).toContain(`temporal: stopped the dev server (pid ${devServer.pid}) that an earlier run left running on`);
  expect(alivePids()).not.toContain(postgres.pid);
  expect(alivePids()).not.toContain(devServer.pid);

  const incident = await call(second.apiUrl ?? '', 'GET', `/incidents/${id}`);
  expect(incident.status).toBe(200);
  expect(incident.body).toMatchObject({ id, title: 'Disk filling on db-2', severity: 'SEV2' });

  // A clean stop of the second run leaves nothing of either run behind.
  expect(await second.stop()).toEqual({ code: 0, signal: null });
  expect((await waitUntilGone(servers)).map((p) => p.command)).toEqual([]);
  expect((await waitUntilGone({ pgid: first.pid })).map((p) => p.command)).toEqual([]);
  expect((await waitUntilGone({ pgid: second.pid })).map((p) => p.command)).toEqual([]);
});

test('a second npm start in the data directory of a running one leaves its servers alone and exits 1, saying why', async () => {
  const { env, dataDir } = await quickStartEnv();
  const servers = { marker: dataDir };
  const first = await start(env, dataDir);
  const postgres = onlyOne(processesOf(servers).filter((p) => p.command.includes('bin/postgres -D')));

  const second = startTsx('src/main.ts', { env, marker: dataDir });
  running.push(second);
  // Its first word as Rampart: either why it cannot start or, wrongly, that it runs.
  const said = await second.waitFor(/^rampart: .*$/m);
  expect(said[0]).toMatch(/^rampart: embedded postgres: could not start/);
  expect(await second.exited).toEqual({ code: 1, signal: null });
  expect(second.output()).toContain(`is in use by PostgreSQL ${postgres.pid}, started by running process`);

  // The first run kept its database and still works.
  expect(alivePids()).toContain(postgres.pid);
  const declared = await call(first.apiUrl ?? '', 'POST', '/incidents', { title: 'Queue backlog', severity: 'SEV3', declaredBy: 'bob' });
  expect(declared.status).toBe(201);
  expect(await first.stop()).toEqual({ code: 0, signal: null });
  expect((await waitUntilGone(servers)).map((p) => p.command)).toEqual([]);
});

function alivePids(): number[] {
  return livingProcesses().map((p) => p.pid);
}

function onlyOne<T>(found: T[]): T {
  expect(found).toHaveLength(1);
  return found[0] as T;
}
