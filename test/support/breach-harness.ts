// A breach notification workflow on the time-skipping server with the real send
// activity, a real SMTP server on loopback and real PostgreSQL records. Each
// test file gets its own harness (its own servers).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createBreachMailActivities } from '../../src/activities/breach-mail';
import { createBreachNoticePageActivities } from '../../src/activities/breach-mail-pages';
import { createBreachRecipientActivities } from '../../src/activities/breach-recipients';
import { createBreachRecordActivities } from '../../src/activities/breach-records';
import type { IncidentNotification } from '../../src/domain/notification';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import { workflowBundle } from '../../src/temporal/worker';
import { BreachService } from '../../src/breach/breach-service';
import { breachNotificationWorkflow } from '../../src/workflows/breach/breach-notification-workflow';
import { breachNotificationWorkflowV2, type BreachOptions } from '../../src/workflows/breach/breach-notification-workflow-v2';
import * as msg from '../../src/workflows/breach/messages';
import type { BreachState } from '../../src/workflows/breach/state';
import { createTestDatabase, type TestDatabase } from './database';
import { startTestSmtpServer, type TestSmtpServer } from './smtp';
import { timeSkippingEnv } from './time-skipping';

export const HOUR = 3_600_000;
export const breachPolicy = { ...loadPolicy().breach, officers: ['U0DPO'] };
export const completeNotice = {
  nature: 'An attacker used a leaked API key to read the customer database of the billing service.',
  impact: 'Names, billing addresses and the last four digits of card numbers may have been read.',
  mitigation: 'The key was revoked within an hour, all keys were rotated and access logging was extended.',
  contact: 'Dana Privacy, Data Protection Officer, dpo@example.com, +44 20 7946 0000',
};

export function affectedCustomers(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    name: `Customer ${prefix}${i + 1} GmbH`,
    contacts: [`security@c${prefix}${i + 1}.example`, `ceo@c${prefix}${i + 1}.example`],
    dataAffected: 'billing names and addresses',
  }));
}

/** Polls `check` (every 100 ms, real time) until it returns a value. */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class BreachHarness {
  readonly told: IncidentNotification[] = [];
  private readonly started: string[] = [];
  private n = 0;

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly database: TestDatabase,
    readonly smtp: TestSmtpServer,
    readonly mailer: Mailer,
  ) {}

  static async start(): Promise<BreachHarness> {
    const env = await timeSkippingEnv();
    const database = await createTestDatabase();
    const smtp = await startTestSmtpServer();
    const mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent' });
    return new BreachHarness(env, database, smtp, mailer);
  }

  async stop(): Promise<void> {
    await this.mailer.close();
    await this.smtp.stop();
    await this.database.drop();
    await this.env.teardown();
  }

  /** A running workflow stalls the time-skipping server for the next test: end them. */
  async terminateStarted(): Promise<void> {
    this.smtp.setTransientFailure(false);
    for (const id of this.started.splice(0)) {
      await this.env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    }
  }

  /** Terminated after the test, like the breaches startBreach starts. */
  track(workflowId: string): void {
    this.started.push(workflowId);
  }

  activities() {
    return {
      ...createBreachRecordActivities(this.database.prisma),
      ...createBreachMailActivities({ db: this.database.prisma, mailer: this.mailer, from: 'privacy@example.com', companyName: 'Example Ltd' }),
      ...createBreachNoticePageActivities({ db: this.database.prisma, mailer: this.mailer, from: 'privacy@example.com', companyName: 'Example Ltd' }),
      ...createBreachRecipientActivities(this.database.prisma),
      deliverNotification: async (n: IncidentNotification) => {
        this.told.push(n);
      },
    };
  }

  newTaskQueue(): string {
    return `breach-${process.pid}-${(this.n += 1)}`;
  }

  /**
   * `cached: false` keeps no workflow in memory, so no sticky task queue: the
   * time-skipping server never moves a stopped worker's sticky tasks back to the
   * shared queue (a real server does after a timeout), so a worker that will be
   * stopped mid-run must not hold any.
   */
  async createWorker(taskQueue: string, opts: { cached?: boolean; extraActivities?: object } = {}): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: { ...this.activities(), ...opts.extraActivities },
      shutdownGraceTime: '10s',
      ...(opts.cached === false ? { maxCachedWorkflows: 0 } : {}),
    });
  }

  async withWorker<T>(fn: (taskQueue: string) => Promise<T>, extraActivities?: object): Promise<T> {
    const taskQueue = this.newTaskQueue();
    const worker = await this.createWorker(taskQueue, { extraActivities });
    return worker.runUntil(fn(taskQueue));
  }

  /** Records an incident and starts its breach workflow, verified now (T0). */
  async startBreach(taskQueue: string) {
    const incidentId = `INC-20261122-br${process.pid}x${(this.n += 1)}`;
    await this.database.prisma.incident.create({
      data: { id: incidentId, title: 'Billing DB exposure', severity: 'SEV1', declaredBy: 'U0ALICE', declaredAt: new Date() },
    });
    const workflowId = msg.breachWorkflowId(incidentId);
    this.started.push(workflowId);
    const t0 = new Date(await this.env.currentTimeMs()).toISOString();
    const handle = await this.env.client.workflow.start(breachNotificationWorkflow, {
      workflowId,
      taskQueue,
      args: [{ incidentId, incidentTitle: 'Billing DB exposure', verifiedAt: t0, verifiedBy: 'U0DPO' }, breachPolicy],
    });
    return { handle, incidentId, t0: Date.parse(t0) };
  }

  /** Like startBreach, for the v2 workflow (what the incident starts since patch 'breach-v2'). */
  async startBreachV2(taskQueue: string, options: BreachOptions = {}) {
    const incidentId = `INC-20261201-bv${process.pid}x${(this.n += 1)}`;
    await this.database.prisma.incident.create({
      data: { id: incidentId, title: 'Billing DB exposure', severity: 'SEV1', declaredBy: 'U0ALICE', declaredAt: new Date() },
    });
    const workflowId = msg.breachWorkflowId(incidentId);
    this.started.push(workflowId);
    const t0 = new Date(await this.env.currentTimeMs()).toISOString();
    const handle = await this.env.client.workflow.start(breachNotificationWorkflowV2, {
      workflowId,
      taskQueue,
      args: [{ incidentId, incidentTitle: 'Billing DB exposure', verifiedAt: t0, verifiedBy: 'U0DPO' }, breachPolicy, options],
    });
    return { handle, incidentId, breachId: workflowId, t0: Date.parse(t0) };
  }

  /** The service the API and the bot use, on this harness's server and database. */
  service(): BreachService {
    return new BreachService({ client: this.env.client, db: this.database.prisma });
  }

  /** Waits (real time) until the workflow reports every notice sent. */
  untilAllSent(handle: { query: (q: typeof msg.breachStateQuery) => Promise<BreachState> }, timeoutMs?: number): Promise<BreachState> {
    return until(async () => {
      const s = await handle.query(msg.breachStateQuery);
      return s.status === 'sent' ? s : undefined;
    }, timeoutMs);
  }
}

/** One harness for the whole test file; the workflows each test started are ended after it. */
export function breachHarnessPerFile(): () => BreachHarness {
  let harness: BreachHarness | undefined;
  beforeAll(async () => {
    harness = await BreachHarness.start();
  });
  afterAll(async () => {
    await harness?.stop();
  });
  afterEach(async () => {
    await harness?.terminateStarted();
  });
  return () => {
    if (!harness) throw new Error('the breach harness has not started');
    return harness;
  };
}
