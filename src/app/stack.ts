// Wires the parts together: worker (workflows + activities) and HTTP API over
// one database and one Temporal client. Used by `npm start`, tests and benches.
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Connector } from '../activities/connectors/connector';
import { buildApi } from '../api/server';
import type { Db } from '../db/client';
import { IncidentService } from '../incidents/incident-service';
import type { Policy } from '../policy/schema';
import { createWorker } from '../temporal/worker';
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
  api?: { host: string; port: number; apiToken?: string; alertmanagerToken?: string; logger?: boolean };
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
    await app?.close();
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
  };

  try {
    if (o.run !== 'api') {
      worker = await createWorker({
        connection: o.workerConnection,
        namespace: o.namespace,
        taskQueue: o.taskQueue,
        db: o.db,
        mail: { mailer: o.mailer, from: o.policy.breach.senderAddress, companyName: o.policy.breach.companyName },
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
        health: () => health(o.db, o.client),
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

async function health(db: Db, client: Client): Promise<Record<string, string>> {
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      return 'ok';
    } catch (err) {
      // Prisma's messages start with a blank line and end with the cause: report the last line.
      const lines = (err as Error).message.split('\n').filter((line) => line.trim() !== '');
      return `unreachable: ${lines.at(-1) ?? 'no reason given'}`;
    }
  };
  const [database, temporal] = await Promise.all([
    check(() => db.$queryRaw`SELECT 1`),
    check(() => client.workflowService.getSystemInfo({})),
  ]);
  return { database, temporal };
}
