// The Temporal dev server stopped and started again on the same port and SQLite
// file in the middle of the run, then a check that both sides came back by
// themselves: the API's Temporal client answers again, and a workflow update
// sent through the API is applied, which needs the worker (still the same
// process) polling again.
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { ApiUnanswered, callApi } from './api-client';
import type { Random } from './random';
import type { ChaosApi, RestartableTemporal } from './services';
import type { WorkerSupervisor } from './worker-process';

const RECONNECT_WAIT_MS = 90_000;
const PROBE_GIVE_UP_MS = 180_000;

export interface ServerRestartOutcome {
  /** The API's own client answered again without being replaced. */
  apiReconnected: boolean;
  /** An update through the API was applied, and the worker process running before the restart did it. */
  workerReconnected: boolean;
  /** Seconds the server was down (stop called → started again). */
  downSeconds: number;
  /** When the stop began (ms since the epoch). */
  stoppedAt: number;
}

export async function restartTemporal(o: {
  temporal: RestartableTemporal;
  api: () => ChaosApi;
  /** Replaces the API (a new client) when its client does not come back. */
  restartApi: () => Promise<void>;
  workers: WorkerSupervisor;
  probeIncidentId: string;
  random: Random;
  log: (line: string) => void;
}): Promise<ServerRestartOutcome> {
  const exitsBefore = o.workers.unexpectedExits();
  o.log('stopping the Temporal dev server');
  const stoppedAt = Date.now();
  await o.temporal.stop();
  await sleep(o.random.between(1_000, 4_000));
  await o.temporal.start();
  const downSeconds = (Date.now() - stoppedAt) / 1000;
  o.log(`the Temporal dev server is back on ${o.temporal.address} after ${downSeconds.toFixed(1)} s`);

  const apiReconnected = await answersWithin(() => o.api().client.workflowService.getSystemInfo({}), RECONNECT_WAIT_MS);
  if (!apiReconnected) {
    // Only blame the client if a fresh one gets through.
    const fresh = await Connection.connect({ address: o.temporal.address });
    await fresh.close();
    o.log("the API's Temporal client did not reconnect after the server restart; starting the API again with a new client");
    await o.restartApi();
  }

  let probeApplied = false;
  try {
    const answer = await callApi(o.api().url, {
      method: 'POST',
      path: `/incidents/${o.probeIncidentId}/status-updates`,
      json: { actor: 'bob', text: 'chaos probe: applied after the Temporal server restart' },
      giveUpAfterMs: PROBE_GIVE_UP_MS,
    });
    probeApplied = answer.status < 300;
  } catch (err) {
    if (!(err instanceof ApiUnanswered)) throw err;
    o.log(err.message);
  }
  const workerReconnected = probeApplied && o.workers.unexpectedExits() === exitsBefore;
  if (!workerReconnected) o.log(`the worker did not carry on after the server restart (update applied: ${probeApplied}; worker exits: ${o.workers.unexpectedExits() - exitsBefore})`);
  return { apiReconnected, workerReconnected, downSeconds, stoppedAt };
}

async function answersWithin(call: () => Promise<unknown>, ms: number): Promise<boolean> {
  const giveUpAt = Date.now() + ms;
  while (Date.now() < giveUpAt) {
    try {
      await call();
      return true;
    } catch {
      await sleep(1_000);
    }
  }
  return false;
}
