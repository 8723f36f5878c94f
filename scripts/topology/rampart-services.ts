// Rampart's worker and API as the separate processes docker-compose.yml runs:
// `npm run worker` and `npm run api`, each given only TEMPORAL_ADDRESS,
// DATABASE_URL and its own settings (never an embedded server).
import path from 'node:path';
import { startChild, type Child } from './child';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Settings of the caller's that would change what these processes connect to. */
const INHERITED_SETTINGS_DROPPED = [
  'DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'RAMPART_TASK_QUEUE', 'HOST', 'PORT', 'RAMPART_RUN',
  'RAMPART_DATA_DIR', 'RAMPART_POLICY_FILE', 'RAMPART_API_TOKEN', 'ALERTMANAGER_WEBHOOK_TOKEN',
  'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SMTP_URL',
];

export interface RampartService {
  child: Child;
  /** The API's base URL (api only). */
  apiUrl?: string;
}

export async function startRampartService(
  script: 'worker' | 'api',
  settings: Record<string, string>,
  workDir: string,
  onSpawn: (child: Child) => void,
): Promise<RampartService> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS_DROPPED) delete env[name];
  const child = startChild({
    name: `rampart-${script}`,
    command: 'npm',
    args: ['run', '--silent', script],
    env: { ...env, ...settings },
    cwd: REPO_ROOT,
    logFile: path.join(workDir, `rampart-${script}.log`),
  });
  onSpawn(child);
  try {
    const ready = await child.waitForLine(/^rampart: (?:API on (\S+)|worker running); Ctrl-C to stop$/m, 180_000);
    return { child, apiUrl: ready[1] };
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${child.logTail()}`);
  }
}
