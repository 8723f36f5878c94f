// `npm start` (tsx src/main.ts) as a child process with its own environment,
// for tests of what only a whole process shows: stop/start, RAMPART_RUN.
import { startTsx, type Exit, type TsxProcess } from './tsx-process';

export interface RampartProcess extends TsxProcess {
  /** The API's base URL, when this process serves the API. */
  apiUrl?: string;
  /** SIGINT to the process, as Ctrl-C or `kill -INT` would send; resolves when it has exited. */
  stop(): Promise<Exit>;
}

/**
 * The settings of a plain `npm start` (embedded PostgreSQL, Temporal dev server,
 * no Slack, no mail server, no tokens) whatever the test runner's environment
 * holds, with `settings` on top.
 */
export function rampartEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'RAMPART_TASK_QUEUE', 'HOST', 'PORT', 'RAMPART_RUN',
    'RAMPART_DATA_DIR', 'RAMPART_POLICY_FILE', 'RAMPART_TEMPORAL_DEV_PORT', 'RAMPART_TEMPORAL_UI_PORT',
    'RAMPART_API_TOKEN', 'ALERTMANAGER_WEBHOOK_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SMTP_URL',
    'RAMPART_ENCRYPTION_KEYS', 'RAMPART_ENCRYPTION_KEYS_FILE',
  ]) {
    delete env[name];
  }
  return { ...env, ...settings };
}

/**
 * Starts src/main.ts and waits until it says it is running. `marker` (e.g. its
 * data directory) finds the servers it started if they outlive it.
 */
export async function startRampart(env: NodeJS.ProcessEnv, marker?: string): Promise<RampartProcess> {
  const child = startTsx('src/main.ts', { env, marker });
  const ready = await child.waitFor(/^rampart: (?:API on (\S+)|worker running); Ctrl-C to stop$/m).catch(async (err: unknown) => {
    await child.kill();
    throw err;
  });
  return {
    ...child,
    apiUrl: ready[1],
    stop: () => {
      child.signal('SIGINT');
      return child.exited;
    },
  };
}
