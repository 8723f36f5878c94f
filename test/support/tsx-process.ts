// A TypeScript entry point run as its own process through tsx's CLI, the way
// `npm start` runs src/main.ts. It leads a new process group (detached), so a
// test can always end it and everything it started, even when the test fails.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { killAll, processesOf, waitUntilGone } from './process-table';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TSX_CLI = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const KEPT_OUTPUT_CHARS = 200_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TsxProcess {
  /** The tsx process; also the id of the process group it leads. */
  pid: number;
  /** What it wrote to stdout and stderr so far (the latest part of it). */
  output(): string;
  /** The first match of `pattern` in the output; rejects when the process exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** Sends `signal` to this process alone (not its group), as `kill -INT <pid>` does. */
  signal(signal: NodeJS.Signals): void;
  /**
   * SIGKILL to its process group and to every process whose command line contains
   * `marker` (servers that left the group); resolves when all are gone.
   */
  kill(): Promise<void>;
}

export function startTsx(script: string, options: { args?: string[]; env: NodeJS.ProcessEnv; marker?: string }): TsxProcess {
  const child = spawn(process.execPath, [TSX_CLI, script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${script}`);

  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      for (const listener of listeners) listener();
      resolve(exit);
    });
  });

  const waitFor = (pattern: RegExp, timeoutMs = 180_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const finish = (settle: () => void) => {
        listeners.delete(check);
        clearTimeout(timer);
        settle();
      };
      const check = () => {
        const match = pattern.exec(output);
        if (match) finish(() => resolve(match));
        else if (exit) finish(() => reject(new Error(`${script} exited (${exit?.code ?? exit?.signal}) before ${pattern}:\n${tail(output)}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} from ${script} in ${timeoutMs} ms:\n${tail(output)}`))), timeoutMs);
      listeners.add(check);
      check();
    });

  const owner = { pgid: pid, marker: options.marker };
  return {
    pid,
    output: () => output,
    waitFor,
    exited,
    signal: (signal) => {
      if (!exit) child.kill(signal);
    },
    kill: async () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // The group is empty already.
      }
      killAll(processesOf(owner));
      await exited;
      const alive = await waitUntilGone(owner);
      if (alive.length > 0) throw new Error(`still alive after SIGKILL: ${alive.map((p) => p.pid).join(', ')}`);
    },
  };
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
