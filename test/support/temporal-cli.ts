// The Temporal CLI that src/temporal/servers.ts resolves for the dev server, run
// as an operator would run it against a test's server: the README's commands,
// checked as written.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveDevServerExecutable } from '../../src/temporal/servers';

const run = promisify(execFile);

/** Runs `temporal <args> --address <address>`; rejects with its stderr when it exits non-zero. */
export async function temporalCli(address: string, args: string[]): Promise<string> {
  const executable = await resolveDevServerExecutable();
  if (executable.type !== 'existing-path') {
    throw new Error('the Temporal CLI came from the SDK download, whose path is not known; set TEMPORAL_CLI_PATH');
  }
  try {
    const { stdout } = await run(executable.path, [...args, '--address', address], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`temporal ${args.join(' ')} failed: ${stderr ?? (err as Error).message}`);
  }
}

/** The same, with `--output json`, parsed. */
export async function temporalCliJson<T>(address: string, args: string[]): Promise<T> {
  return JSON.parse(await temporalCli(address, [...args, '--output', 'json'])) as T;
}
