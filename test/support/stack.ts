// A whole Rampart on loopback: fresh migrated database, real Temporal dev
// server, worker and HTTP API.
import { outboxMailer } from './outbox-mailer';
import type { Mailer } from '../../src/mail/mailer';
import type { Policy } from '../../src/policy/schema';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from '../../src/app/stack';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { createTestDatabase, type TestDatabase } from './database';
import { RecordingConnector } from './recording-connector';

export interface TestStack {
  stack: Stack;
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  connector: RecordingConnector;
  url: string;
  stop(): Promise<void>;
}

export async function startTestStack(
  api: { apiToken?: string; alertmanagerToken?: string } = {},
  options: { mailer?: Mailer; policy?: Policy } = {},
): Promise<TestStack> {
  const database = await createTestDatabase();
  const env = await startDevEnvironment();
  const connector = new RecordingConnector();
  const stack = await startStack({
    db: database.prisma,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `api-test-${process.pid}`,
    policy: options.policy ?? loadPolicy(),
    connectors: [connector],
    mailer: options.mailer ?? outboxMailer(),
    run: 'all',
    api: { host: '127.0.0.1', port: 0, ...api },
  });
  return {
    stack,
    env,
    database,
    connector,
    url: stack.apiUrl ?? '',
    stop: async () => {
      await stack.stop();
      await env.teardown();
      await database.drop();
    },
  };
}

/** JSON over fetch; returns status and parsed body. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are arbitrary JSON read by assertions
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
