// README, Configuration: RAMPART_RUN "`worker` or `api` to run one part
// (docker-compose runs both separately)". Two `npm start` processes (tsx
// src/main.ts) share one PostgreSQL (DATABASE_URL) and one Temporal dev server
// (TEMPORAL_ADDRESS): the api process answers HTTP and never polls the task
// queue; the worker process executes the workflows and serves no HTTP.
import { createConnection } from 'node:net';
import { temporal as proto } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { findFreePort } from '../../src/db/free-port';
import { makeTempDataDir, type TempDataDir } from '../../src/db/temp-data-dir';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { processesOf } from '../support/process-table';
import { rampartEnv, startRampart, type RampartProcess } from '../support/rampart-process';
import { call } from '../support/stack';
import { firingAlertGroup } from '../support/alertmanager-payload';

jest.setTimeout(600_000);

const { EventType, TaskQueueType } = proto.api.enums.v1;

let database: TestDatabase;
let temporal: TestWorkflowEnvironment;
let temp: TempDataDir;
beforeAll(async () => {
  database = await createTestDatabase();
  temporal = await startDevEnvironment();
  temp = await makeTempDataDir('rampart-run-modes-');
});
afterAll(async () => {
  await temporal?.teardown();
  await database?.drop();
  await temp?.remove();
});

/** Every process a test starts is killed after it, with its process group, pass or fail. */
let started: RampartProcess[] = [];
afterEach(async () => {
  for (const rampart of started) await rampart.kill().catch(() => undefined);
  started = [];
});

let queues = 0;
/** Settings both processes of one test share: the services and a task queue of its own. */
function sharedSettings(): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    RAMPART_TASK_QUEUE: `run-modes-${process.pid}-${(queues += 1)}`,
    RAMPART_DATA_DIR: temp.dataDir,
  };
}

async function start(run: 'api' | 'worker', settings: Record<string, string>): Promise<RampartProcess & { port: number }> {
  const port = await findFreePort();
  const rampart = await startRampart(rampartEnv({ ...settings, RAMPART_RUN: run, PORT: String(port) }));
  started.push(rampart);
  return Object.assign(rampart, { port });
}

/** Whose process each poller of the task queue (workflow and activity tasks) runs in. */
async function pollerOwners(taskQueue: string, processes: Record<string, RampartProcess>): Promise<string[]> {
  const owners = new Set<string>();
  for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const { pollers } = await temporal.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
    for (const { identity } of pollers) owners.add(ownerOf(identity ?? '', processes));
  }
  return [...owners].sort();
}

/** A worker's identity is `<pid>@<host>`; the pid is in the process group of the process that runs it. */
function ownerOf(identity: string, processes: Record<string, RampartProcess>): string {
  const pid = Number(identity.split('@')[0]);
  const owner = Object.entries(processes).find(([, p]) => processesOf({ pgid: p.pid }).some((q) => q.pid === pid));
  return owner?.[0] ?? `unknown (${identity})`;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(true) : reject(err)));
  });
}

const kinds = (timeline: { kind: string }[]) => timeline.map((e) => e.kind);

test('an api process and a worker process run an incident end to end between them', async () => {
  const settings = sharedSettings();
  const [api, worker] = await Promise.all([start('api', settings), start('worker', settings)]);
  expect(api.apiUrl).toBe(`http://127.0.0.1:${api.port}`);
  expect(worker.apiUrl).toBeUndefined();
  expect(worker.output()).toContain('rampart: worker running');
  expect(await refusesConnections(worker.port)).toBe(true);

  const url = api.apiUrl ?? '';
  const declared = await call(url, 'POST', '/incidents', { title: 'Queue consumers stuck', severity: 'SEV3', declaredBy: 'alice' });
  expect(declared).toMatchObject({ status: 201, body: { status: 'DECLARED' } });
  const id: string = declared.body.id;
  expect(await call(url, 'POST', `/incidents/${id}/acknowledge`, { actor: 'bob' })).toMatchObject({ status: 200, body: { status: 'DECLARED', roles: { commander: 'bob' } } });
  expect(await call(url, 'POST', `/incidents/${id}/resolve`, { actor: 'bob' })).toMatchObject({ status: 200, body: { status: 'RESOLVED' } });
  const { body } = await call(url, 'GET', `/incidents/${id}/timeline`);
  expect(kinds(body.timeline)).toEqual(['declared', 'acknowledged', 'resolved']);

  // Only the worker process polls the task queue.
  expect(await pollerOwners(settings.RAMPART_TASK_QUEUE ?? '', { api, worker })).toEqual(['worker']);
});

test('an api process alone accepts declarations, and nothing executes them until a worker process starts', async () => {
  const settings = sharedSettings();
  const api = await start('api', settings);
  const url = api.apiUrl ?? '';

  // POST /incidents answers once the workflow has recorded the declaration: it waits for a worker.
  let answered = false;
  const declaring = call(url, 'POST', '/incidents', { title: 'Checkout returns 500', severity: 'SEV2', declaredBy: 'alice' }).finally(() => {
    answered = true;
  });
  // An Alertmanager alert answers at once: the incident is written and its workflow started.
  const alert = await call(url, 'POST', '/webhooks/alertmanager', firingAlertGroup({ alertname: 'HighErrorRate', severity: 'critical', summary: 'Error rate above 5%' }));
  expect(alert).toMatchObject({ status: 201, body: { outcome: 'declared' } });
  const alertIncident: string = alert.body.incidentId;

  const handle = temporal.client.workflow.getHandle(alertIncident);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  const untouched = await handle.fetchHistory();
  expect(untouched.events?.map((e) => e.eventType)).toEqual([
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  ]);
  expect((await call(url, 'GET', `/incidents/${alertIncident}/timeline`)).body).toEqual({ timeline: [] });
  expect(answered).toBe(false);
  expect(await pollerOwners(settings.RAMPART_TASK_QUEUE ?? '', { api })).toEqual([]);

  const worker = await start('worker', settings);
  const declared = await declaring;
  expect(declared).toMatchObject({ status: 201, body: { status: 'DECLARED' } });
  expect(kinds((await call(url, 'GET', `/incidents/${declared.body.id}/timeline`)).body.timeline)).toEqual(['declared']);
  await eventually(async () => {
    expect(kinds((await call(url, 'GET', `/incidents/${alertIncident}/timeline`)).body.timeline)).toEqual(['declared']);
  }, 120_000);

  // The alert's first workflow task was taken by the worker process, and only it polls.
  const history = await handle.fetchHistory();
  const firstTask = history.events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  expect(ownerOf(firstTask?.workflowTaskStartedEventAttributes?.identity ?? '', { api, worker })).toBe('worker');
  expect(await pollerOwners(settings.RAMPART_TASK_QUEUE ?? '', { api, worker })).toEqual(['worker']);
});
