// One service of the topology as a child process: its own process group (so a
// stop reaches npm, tsx and node alike, and Ctrl-C in the terminal reaches only
// the script, which then stops everything in order), its output in a log file
// (the terminal gets one summary line), and a stop that escalates to SIGKILL.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
}

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** Rejects if the process exits first or `timeoutMs` passes. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Settles when the process has exited: its code or signal. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** SIGTERM to its group; SIGKILL after `graceMs`. Resolves once the group leader is gone. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to its group at once (synchronous, for an exit hook). */
  killNow(): void;
  /** The last lines of its log, for an error message. */
  logTail(lines?: number): string;
}

export function startChild(o: ChildOptions): Child {
  const log = createWriteStream(o.logFile, { flags: 'a', mode: 0o600 });
  const child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${o.name}: could not start ${o.command}`);

  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-100_000);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let exit: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = signal ?? `exit ${code}`;
      for (const listener of listeners) listener();
      log.end();
      resolve(exit);
    });
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is empty already.
    }
  };

  return {
    name: o.name,
    pid,
    logFile: o.logFile,
    exited,
    hasExited: () => exit !== undefined,
    waitForLine: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const finish = (settle: () => void) => {
          listeners.delete(check);
          clearTimeout(timer);
          settle();
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) finish(() => resolve(match));
          else if (exit) finish(() => reject(new Error(`${o.name} exited (${exit}) before it was ready`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${o.name} not ready after ${timeoutMs / 1000} s`))), timeoutMs);
        listeners.add(check);
        check();
      }),
    stop: async (graceMs) => {
      // The whole group, also after the leader exited: node under npm and tsx may outlive its parents.
      const deadline = Date.now() + graceMs;
      signalGroup('SIGTERM');
      while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pid)) signalGroup('SIGKILL');
      await exited;
    },
    killNow: () => signalGroup('SIGKILL'),
    logTail: (lines = 20) => {
      let text = output;
      try {
        text = readFileSync(o.logFile, 'utf8');
      } catch {
        // Not written yet: what we kept in memory.
      }
      // Long lines are the server's stack traces; their start says what failed.
      return text.split('\n').slice(-lines).map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line)).join('\n');
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
