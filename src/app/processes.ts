// Other OS processes, as far as Rampart needs them to decide whether it may stop
// one: alive or not, and (read from Linux's /proc) its parent, name and command
// line. Where /proc is missing nothing is known about a process, so callers that
// need to recognise one before stopping it leave it alone.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessFacts {
  pid: number;
  ppid: number;
  /** The executable's short name as the kernel keeps it, e.g. "node" or "postgres". */
  name: string;
  argv: string[];
}

const POLL_MS = 100;

/** Running (a zombie has exited: it only waits for its parent to reap it). EPERM means alive, owned by another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = readStat(pid)?.state;
  return state !== 'Z' && state !== 'X';
}

/** What /proc says about a living process; undefined when it is gone or cannot be read. */
export function processFacts(pid: number): ProcessFacts | undefined {
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return { pid, ppid: stat.ppid, name, argv };
  } catch {
    return undefined;
  }
}

/** Every living process (Linux only; empty elsewhere). */
export function allProcesses(): ProcessFacts[] {
  let names: string[];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return names.map((name) => processFacts(Number(name))).filter((p): p is ProcessFacts => p !== undefined);
}

/** The living children of `pid` (Linux only; empty elsewhere). */
export function childrenOf(pid: number): ProcessFacts[] {
  return allProcesses().filter((p) => p.ppid === pid);
}

/**
 * Sends `signal`, waits up to `graceMs` for the process to end, then SIGKILLs it (and
 * `alsoKill()`, e.g. children it would otherwise leave behind). `isSame` is asked again
 * before the SIGKILL, so a pid the system has meanwhile given to another process is spared.
 */
export async function stopProcess(
  pid: number,
  opts: { signal: NodeJS.Signals; graceMs: number; isSame: () => boolean; alsoKill?: () => number[] },
): Promise<'exited' | 'killed'> {
  try {
    process.kill(pid, opts.signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'exited'; // it ended on its own meanwhile
    throw err;
  }
  if (await exitedWithin(pid, opts.graceMs)) return 'exited';
  if (!opts.isSame()) return 'exited';
  for (const other of [...(opts.alsoKill?.() ?? []), pid]) {
    try {
      process.kill(other, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  if (!(await exitedWithin(pid, opts.graceMs))) throw new Error(`process ${pid} is still running after SIGKILL`);
  return 'killed';
}

async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name in parentheses may contain spaces: the fields follow the last ')'.
    const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}
