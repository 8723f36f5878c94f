// Chaos run (issue 10): a breach notice to many contacts and a stream of
// incident commands while Rampart's worker, a process of its own, is killed with
// SIGKILL at random moments and the Temporal dev server is restarted once. Then
// the mailbox and the database are checked, and ONE JSON line is printed:
//   {"contacts":…,"delivered":…,"lost":0,"duplicateMessageIds":…,"remindersLate":…,"kills":…,
//    "serverRestarts":1,"secondsToAllDelivered":…, …details (bench/chaos/report.ts)}
// Exit 1 when a contact got no message or the run timed out. Progress goes to stderr.
//   npm run chaos [-- --contacts 1000 --kills 5 --timeout 900 --seed N --dir /tmp]
// `--kills 0` is the baseline: the same run without kills or server restart.
//
// The run itself (bench/chaos/run.ts) is a child process: the Temporal dev server
// it starts writes to the stdout it inherits, which here goes to stderr, so
// stdout carries the JSON line alone. Whatever way the run ends (done, failed,
// killed, Ctrl-C), this process then ends every process naming the run's
// directory and removes the directory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, processesOf, waitUntilGone } from '../test/support/process-table';
import { resultFile } from './chaos/result-file';

const REPO_ROOT = path.resolve(__dirname, '..');
const RUN_SCRIPT = path.join(__dirname, 'chaos', 'run.ts');
/** After Ctrl-C, how long the run may take to stop its servers before it is killed. */
const STOP_GRACE_MS = 90_000;

const { values } = parseArgs({
  options: {
    contacts: { type: 'string' },
    kills: { type: 'string' },
    timeout: { type: 'string' },
    seed: { type: 'string' },
    /** Where the run's temporary directory is made (default: the OS temp dir). */
    dir: { type: 'string' },
  },
});

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

async function main(): Promise<number> {
  const root = await mkdtemp(path.join(values.dir ?? tmpdir(), 'rampart-chaos-'));
  try {
    // The PostgreSQL OS user (when running as root) must reach its data directory inside.
    await chmod(root, 0o711);
    const passed = (['contacts', 'kills', 'timeout', 'seed'] as const).flatMap((name) => (values[name] === undefined ? [] : [`--${name}`, values[name]]));
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_SCRIPT, ...passed, '--run-dir', root], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.pipe(process.stderr);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = true;
      // From a terminal the run has the signal already; from `kill <pid>` it has not.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const [code, signal] = await exited;
    if (interrupted) return 130;
    const line = await readFile(resultFile(root), 'utf8').catch(() => undefined);
    if (line === undefined) {
      log(`the run ended without a result (${signal ?? `exit ${code}`})`);
      return 1;
    }
    process.stdout.write(line);
    return code ?? 1;
  } finally {
    killAll(processesOf({ marker: root }));
    const alive = await waitUntilGone({ marker: root }, 30_000);
    if (alive.length > 0) log(`still running after SIGKILL: ${alive.map((p) => p.pid).join(', ')}`);
    await rm(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
