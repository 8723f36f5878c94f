// The kills: at a random moment in the life of each running worker, SIGKILL,
// a short random pause, a new worker; the Temporal server restart is hooked in
// after the kill in the middle.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from './random';
import type { WorkerSupervisor } from './worker-process';

/** When to kill a running worker (after it polls), and the pause before the next one starts. */
export const KILL_AFTER_READY_MS = [1_000, 6_000] as const;
const PAUSE_BEFORE_RESTART_MS = [500, 3_000] as const;

export interface KillFigures {
  kills: number;
  /** Kills made while some notice was not yet recorded sent. */
  killsWhileSending: number;
  /** Summed time from each SIGKILL until the next worker polled. */
  workerDownMs: number;
  /** When each SIGKILL was sent (ms since the epoch). */
  killedAt: number[];
}

export async function killWorkers(o: {
  kills: number;
  workers: WorkerSupervisor;
  random: Random;
  /** Notices recorded sent so far, and how many there are. */
  progress: () => Promise<{ sent: number; total: number }>;
  /** Runs once, after the middle kill's new worker is up. */
  inTheMiddle: () => Promise<void>;
  log: (line: string) => void;
}): Promise<KillFigures> {
  const figures: KillFigures = { kills: 0, killsWhileSending: 0, workerDownMs: 0, killedAt: [] };
  const startedAt = Date.now();
  for (let k = 1; k <= o.kills; k += 1) {
    await sleep(o.random.between(...KILL_AFTER_READY_MS));
    const { sent, total } = await o.progress();
    if (sent < total) figures.killsWhileSending += 1;
    const killedAt = Date.now();
    await o.workers.kill();
    figures.kills += 1;
    figures.killedAt.push(killedAt);
    o.log(`kill ${k}/${o.kills}: worker SIGKILLed ${seconds(startedAt)} s after approval, ${sent}/${total} sent`);
    await sleep(o.random.between(...PAUSE_BEFORE_RESTART_MS));
    // A worker that died by itself meanwhile has been replaced already.
    if (!o.workers.alive()) await o.workers.start();
    figures.workerDownMs += Date.now() - killedAt;
    o.log(`worker running again ${seconds(killedAt)} s after the kill`);
    if (k === Math.ceil(o.kills / 2)) await o.inTheMiddle();
  }
  return figures;
}

function seconds(fromMs: number): string {
  return ((Date.now() - fromMs) / 1000).toFixed(1);
}
