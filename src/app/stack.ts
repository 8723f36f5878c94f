// Wires the parts together: worker (workflows + activities) and HTTP API over
// one database and one Temporal client. Used by `npm start`, tests and benches.
import type { DataConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Connector } from '../activities/connectors/connector';
import { buildApi } from '../api/server';
import { verifyAuditChain } from '../db/audit-chain';
import type { Db } from '../db/client';
import { IncidentService } from '../incidents/incident-service';
import type { Policy } from '../policy/schema';
import { createWorker } from '../temporal/worker';
import { WedgedWorkflowsCheck } from '../temporal/wedged';
import { BreachService } from '../breach/breach-service';
import type { Mailer } from '../mail/mailer';
import { SlackConnector } from '../activities/connectors/slack-connector';
import { createSlackBot, type SlackBot } from '../bot/slack-bot';
import { createSlackWebClient } from '../slack/web-client';

export interface StackOptions {
  db: Db;
  client: Client;
  workerConnection: NativeConnection;
  namespace: string;
  taskQueue: string;
  policy: Policy;
  connectors: readonly Connector[];
  /** Breach notices go out through this; default: the policy's sender, no mail server (tests). */
  mailer: Mailer;
  run: 'all' | 'worker' | 'api';
  /**
   * On stop: how long running activities and in-flight HTTP requests may take
   * to finish (ms). Unset: activities are cancelled at once and the API waits
   * for its requests (tests).
   */
  shutdownGraceMs?: number;
  api?: { host: string; port: number; apiToken?: string; alertmanagerToken?: string; logger?: boolean };
  /** Payload encryption for the worker; the client passed in must have the same. */
  dataConverter?: DataConverter;
  /** Slack on: a connector in the worker, the bot beside the API. */
  slack?: { botToken: string; signingSecret: string; appToken?: string; port: number; host: string; slackApiUrl?: string };
}

export interface Stack {
  incidents: IncidentService;
  app?: FastifyInstance;
  /** Base URL of the API when it listens. */
  apiUrl?: string;
  /** Where Slack posts requests (HTTP mode). */
  slackUrl?: string;
  stop(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const incidents = new IncidentService({
    client: o.client,
    db: o.db,
    incidentPolicy: () => ({ ...o.policy.incident, breach: o.policy.breach }),
    taskQueue: o.taskQueue,
  });

  const breaches = new BreachService({ client: o.client, db: o.db });
  let worker: Worker | undefined;
  let workerDone: Promise<void> | undefined;
  let app: FastifyInstance | undefined;
  let apiUrl: string | undefined;
  let bot: SlackBot | undefined;
  let slackUrl: string | undefined;
  const stop = async () => {
    await bot?.stop().catch(() => undefined);
    if (app) await closeApi(app, o.shutdownGraceMs);
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerStopped(workerDone, o.shutdownGraceMs);
  };

  try {
    if (o.run !== 'api') {
      worker = await createWorker({
        connection: o.workerConnection,
        namespace: o.namespace,
        taskQueue: o.taskQueue,
        shutdownGraceMs: o.shutdownGraceMs,
        ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
        db: o.db,
        mail: {
          mailer: o.mailer,
          from: o.policy.breach.senderAddress,
          companyName: o.policy.breach.companyName,
          fallbackTo: o.policy.notifications.fallbackEmails,
        },
        connectors: o.slack
          ? [...o.connectors, new SlackConnector(createSlackWebClient(o.slack.botToken, o.slack.slackApiUrl), o.db, o.policy.slack)]
          : o.connectors,
      });
      workerDone = worker.run();
    }

    if (o.run !== 'worker' && o.api) {
      app = buildApi({
        incidents,
        breaches,
        alertmanagerPolicy: () => o.policy.alertmanager,
        health: health(o.db, o.client, o.taskQueue),
        verifyAudit: () => verifyAuditChain(o.db),
        apiToken: o.api.apiToken,
        alertmanagerToken: o.api.alertmanagerToken,
        logger: o.api.logger,
      });
      apiUrl = await app.listen({ host: o.api.host, port: o.api.port });
    }

    if (o.run !== 'worker' && o.slack) {
      bot = createSlackBot({ incidents, breaches, db: o.db, policy: o.policy }, o.slack);
      const port = await bot.start({ port: o.slack.port, host: o.slack.host });
      if (port !== undefined) slackUrl = `http://${o.slack.host}:${port}/slack/events`;
    }
  } catch (err) {
    // A part that fails to start must not leave the others running.
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    incidents,
    app,
    apiUrl,
    slackUrl,
    stop,
  };
}

/**
 * After the grace time the SDK cancels running activities; one that ignores its
 * cancellation (a send blocked on a silent mail server) gets this long more,
 * then is abandoned so a stuck call cannot keep a stopping process alive for
 * ever: Temporal retries it elsewhere after its timeout.
 */
export const SHUTDOWN_ABANDON_AFTER_GRACE_MS = 5_000;

async function workerStopped(done: Promise<void> | undefined, graceMs: number | undefined): Promise<void> {
  if (!done || graceMs === undefined) return done;
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    timer = setTimeout(() => resolve('abandoned'), graceMs + SHUTDOWN_ABANDON_AFTER_GRACE_MS);
  });
  try {
    if ((await Promise.race([done.then(() => 'stopped' as const), abandoned])) === 'abandoned') {
      throw new Error(`activities still running ${graceMs} ms after the shutdown began were abandoned; Temporal retries them after their timeouts`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops accepting connections and lets requests in flight finish; past the
 * grace time the ones still open are cut (a request waiting on a workflow
 * update that no worker takes would otherwise hold the process for ever).
 */
async function closeApi(app: FastifyInstance, graceMs: number | undefined): Promise<void> {
  const cut = graceMs === undefined ? undefined : setTimeout(() => app.server.closeAllConnections(), graceMs);
  // close() drops the connections idle at that moment; a keep-alive connection
  // whose request finishes later would stay open for keepAliveTimeout (72 s).
  const dropIdle = setInterval(() => app.server.closeIdleConnections(), 250);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
    clearInterval(dropIdle);
  }
}

/**
 * The checks behind `GET /healthz`. `workflows` names the workflows whose
 * workflow task keeps failing (their timers and reminders have stopped) and logs
 * each once; see src/temporal/wedged.ts.
 */
function health(db: Db, client: Client, taskQueue: string): () => Promise<Record<string, string>> {
  const wedged = new WedgedWorkflowsCheck(client, taskQueue);
  const reason = (err: unknown) => {
    // Prisma's messages start with a blank line and end with the cause: report the last line.
    const lines = (err as Error).message.split('\n').filter((line) => line.trim() !== '');
    return lines.at(-1) ?? 'no reason given';
  };
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      return 'ok';
    } catch (err) {
      return `unreachable: ${reason(err)}`;
    }
  };
  return async () => {
    const [database, temporal, workflows] = await Promise.all([
      check(() => db.$queryRaw`SELECT 1`),
      check(() => client.workflowService.getSystemInfo({})),
      wedged.check().catch((err: unknown) => `unknown: ${reason(err)}`),
    ]);
    return { database, temporal, workflows };
  };
}
