// `npm run worker` and `npm run api` as child processes. The file each script
// runs is read from package.json, so the tests start exactly what the scripts
// name; tsx runs it in its own process group (test/support/tsx-process.ts), so
// a test can send it a signal and always clean up after it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rampartEnv } from '../support/rampart-process';
import { REPO_ROOT, startTsx, type Exit, type TsxProcess } from '../support/tsx-process';

export type ProductionScript = 'worker' | 'api';

/** The TypeScript file `npm run <script>` runs (`tsx <file>`). */
export function scriptEntry(script: ProductionScript): string {
  const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /^scripts\/supported-node --import tsx (\S+\.ts)$/.exec(scripts[script] ?? '');
  if (!match?.[1]) throw new Error(`package.json: scripts.${script} is not "scripts/supported-node --import tsx <file>.ts": ${scripts[script]}`);
  return match[1];
}

/** A plain environment (see rampartEnv) without a shutdown grace of the runner's, with `settings` on top. */
export function productionEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = rampartEnv({});
  delete env.RAMPART_SHUTDOWN_GRACE;
  return { ...env, ...settings };
}

export interface ProductionProcess extends TsxProcess {
  /** The API's base URL (npm run api). */
  apiUrl?: string;
  /** Whether the process has exited yet. */
  hasExited(): boolean;
}

/** Starts the script's file and waits until it says it is running. */
export async function startProduction(script: ProductionScript, env: NodeJS.ProcessEnv): Promise<ProductionProcess> {
  const child = startTsx(scriptEntry(script), { env });
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const ready = await child.waitFor(/^rampart: (?:API on (\S+)|worker running); Ctrl-C to stop$/m).catch(async (err: unknown) => {
    await child.kill();
    throw err;
  });
  return { ...child, apiUrl: ready[1], hasExited: () => exited };
}

/**
 * `npm run --silent <script>` as an operator types it; resolves with its exit and
 * everything it wrote. A process group of its own, killed if it outlives `timeoutMs`.
 */
export function runNpmScript(script: ProductionScript, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Exit & { output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}
