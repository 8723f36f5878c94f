// Which processes are alive, read from Linux's /proc: by process group, or by a
// marker (e.g. a temporary data directory) on their command line. Tests use it
// to prove that a stopped Rampart left no server behind, and to clean up if it did.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessInfo {
  pid: number;
  pgid: number;
  /** Arguments joined by spaces. */
  command: string;
}

/** Every living process (zombies excluded: they have exited and only wait to be reaped). */
export function livingProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may contain spaces: the fields follow the last ')'.
      const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(name), pgid: Number(pgid), command });
    } catch {
      // It exited while we looked.
    }
  }
  return found;
}

/** Processes in process group `pgid`, or whose command line contains `marker`. */
export function processesOf(owner: { pgid?: number; marker?: string }): ProcessInfo[] {
  return livingProcesses().filter(
    (p) => (owner.pgid !== undefined && p.pgid === owner.pgid) || (owner.marker !== undefined && p.command.includes(owner.marker)),
  );
}

/** Polls until processesOf(owner) is empty; returns what is still alive when `timeoutMs` runs out. */
export async function waitUntilGone(owner: { pgid?: number; marker?: string }, timeoutMs = 60_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = processesOf(owner);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(200);
  }
}

/** SIGKILL to each given process, by id; already gone is fine. */
export function killAll(processes: readonly ProcessInfo[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
