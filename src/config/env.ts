import path from 'node:path';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration such as `30s`, `2m`, `500ms` or `1h`, in milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h)$/, 'a duration such as 30s, 2m or 500ms')
  .transform((v) => {
    const [, amount = '0', unit = 's'] = /^(\d+)(ms|s|m|h)$/.exec(v) ?? [];
    return Number(amount) * DURATION_UNITS_MS[unit as keyof typeof DURATION_UNITS_MS];
  });

const envSchema = z.object({
  DATABASE_URL: optionalText,
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  RAMPART_TASK_QUEUE: z.string().min(1).default('rampart'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  RAMPART_DATA_DIR: z.string().min(1).default('.rampart'),
  RAMPART_POLICY_FILE: optionalText,
  /** Ports of the built-in Temporal dev server (used when TEMPORAL_ADDRESS is unset). */
  RAMPART_TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  RAMPART_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** Bearer token required by the HTTP API when set. */
  RAMPART_API_TOKEN: optionalText,
  /** Workflow payload keys, `id:base64` (32 bytes), current first; or a file of them. See encryption/key-ring.ts. */
  RAMPART_ENCRYPTION_KEYS: optionalText,
  RAMPART_ENCRYPTION_KEYS_FILE: optionalText,
  /** Bearer token Alertmanager must send (http_config.authorization) when set. */
  ALERTMANAGER_WEBHOOK_TOKEN: optionalText,
  /** Slack: set the bot token to turn Slack on. */
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  /** App-level token (xapp-...): Socket Mode, no public URL needed. */
  SLACK_APP_TOKEN: optionalText,
  /** HTTP mode: Slack posts to http://HOST:SLACK_PORT/slack/events. */
  SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where breach notices are sent, e.g. smtp://user:pass@mail:587. Unset: .eml files in the outbox. */
  SMTP_URL: optionalText,
  /** Which parts this process runs: everything, or only the worker or the API. */
  RAMPART_RUN: z.enum(['all', 'worker', 'api']).default('all'),
  /**
   * On SIGTERM/SIGINT: how long running activities may take to finish (and the
   * API its in-flight requests) before they are cancelled; in milliseconds.
   */
  RAMPART_SHUTDOWN_GRACE: duration.default(30_000),
});

export type Env = z.output<typeof envSchema> & { dataDir: string; slack?: SlackSettings };

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  port: number;
}

export class ConfigError extends Error {}

/** Parses the environment once at start-up; errors name the variable (never its value). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const env = result.data;
  let slack: SlackSettings | undefined;
  if (env.SLACK_BOT_TOKEN) {
    if (!env.SLACK_SIGNING_SECRET) throw new ConfigError('invalid configuration: SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN');
    slack = { botToken: env.SLACK_BOT_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET, appToken: env.SLACK_APP_TOKEN, port: env.SLACK_PORT };
  }
  return { ...env, dataDir: path.resolve(env.RAMPART_DATA_DIR), slack };
}

/**
 * `npm run worker` and `npm run api` are the production processes: they run
 * against an existing Temporal and PostgreSQL and never start embedded ones,
 * so a missing address is an error (named, never with a value) instead of a
 * silent private server that nothing else can see.
 */
export function requireExternalServices(env: Env, command: string): void {
  const missing = (['TEMPORAL_ADDRESS', 'DATABASE_URL'] as const).filter((name) => !env[name]);
  if (missing.length === 0) return;
  throw new ConfigError(
    `invalid configuration: ${command} needs ${missing.join(' and ')} (an existing ${missing.map((name) => SERVICE_OF[name]).join(' and ')}); ` +
      'it never starts embedded servers: use npm start for those',
  );
}

const SERVICE_OF = { TEMPORAL_ADDRESS: 'Temporal cluster', DATABASE_URL: 'PostgreSQL database' } as const;
