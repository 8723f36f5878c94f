// The production worker (src/temporal/worker.ts: every workflow, every real
// activity) on the time-skipping server, wired to real PostgreSQL, the fake
// Slack Web API over HTTP (through the real Slack connector) and a loopback SMTP
// server. For tests of what timers cause: a reminder is only proven when it
// reaches the database, Slack and the mailbox through the real activities.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { SlackConnector } from '../../src/activities/connectors/slack-connector';
import { BreachService } from '../../src/breach/breach-service';
import { IncidentService } from '../../src/incidents/incident-service';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { loadPolicy } from '../../src/policy/load';
import type { Policy } from '../../src/policy/schema';
import { createSlackWebClient } from '../../src/slack/web-client';
import { createWorker, workflowBundle } from '../../src/temporal/worker';
import { createTestDatabase, type TestDatabase } from './database';
import { eventually } from './eventually';
import { startFakeSlackApi, type FakeSlackApi } from './slack/fake-slack-api';
import { TEST_BOT_TOKEN } from './slack/slack-ids';
import { startTestSmtpServer, type TestSmtpServer } from './smtp';
import { timeSkippingEnv } from './time-skipping';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** Where each escalation step is posted, and who the officers are. */
export const CHANNELS = { onCall: 'C0ONCALL', lead: 'C0LEAD', executive: 'C0EXEC' } as const;
export const OFFICER = 'U0DPO';
/** Where notifications Slack could not take are emailed. */
export const FALLBACK_EMAIL = 'security-team@example.com';

function testPolicy(): Policy {
  const policy = loadPolicy();
  return {
    ...policy,
    breach: { ...policy.breach, officers: [OFFICER] },
    notifications: { fallbackEmails: [FALLBACK_EMAIL] },
    slack: {
      ...policy.slack,
      escalationTargets: { 'on-call': CHANNELS.onCall, 'incident-response-lead': CHANNELS.lead, executive: CHANNELS.executive },
    },
  };
}

export class FullWorkerHarness {
  private readonly started: string[] = [];

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly database: TestDatabase,
    readonly slack: FakeSlackApi,
    readonly smtp: TestSmtpServer,
    private readonly mailer: Mailer,
    private readonly worker: Worker,
    private readonly running: Promise<void>,
    readonly incidents: IncidentService,
    readonly breaches: BreachService,
    readonly policy: Policy,
  ) {}

  static async start(): Promise<FullWorkerHarness> {
    const env = await timeSkippingEnv();
    const database = await createTestDatabase();
    const slack = await startFakeSlackApi({
      users: ['U0ALICE', 'U0BOB', OFFICER].map((id) => ({ id, name: id.toLowerCase() })),
      channels: Object.values(CHANNELS).map((id) => ({ id, name: id.toLowerCase() })),
    });
    const smtp = await startTestSmtpServer();
    const mailer = createMailer({ smtpUrl: smtp.smtpUrl, outboxDir: '/nonexistent', log: () => undefined });
    const policy = testPolicy();
    const taskQueue = `timers-${process.pid}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      db: database.prisma,
      connectors: [new SlackConnector(createSlackWebClient(TEST_BOT_TOKEN, slack.url), database.prisma, policy.slack)],
      mail: { mailer, from: policy.breach.senderAddress, companyName: policy.breach.companyName, fallbackTo: policy.notifications.fallbackEmails },
    });
    const running = worker.run();
    const incidents = new IncidentService({
      client: env.client,
      db: database.prisma,
      incidentPolicy: () => ({ ...policy.incident, breach: policy.breach }),
      taskQueue,
    });
    const breaches = new BreachService({ client: env.client, db: database.prisma });
    return new FullWorkerHarness(env, database, slack, smtp, mailer, worker, running, incidents, breaches, policy);
  }

  /** Declares through the service every door uses; the incident (and its breach) end with the test. */
  async declare(request: Parameters<IncidentService['declare']>[0]) {
    const incident = await this.incidents.declare(request);
    this.started.push(incident.id, `${incident.id}-breach`);
    return incident;
  }

  /**
   * Advances the server clock in steps: one long sleep over many activity runs
   * stalls the time-skipping server, steps it follows.
   */
  async advance(ms: number, step = 10 * MIN): Promise<void> {
    for (let left = ms; left > 0; left -= step) await this.env.sleep(Math.min(step, left));
  }

  async now(): Promise<number> {
    return this.env.currentTimeMs();
  }

  /** Minutes after `from` (floored) at which timeline entries of `kind` were recorded in PostgreSQL. */
  async minutesOf(incidentId: string, kind: string, from: number): Promise<number[]> {
    const rows = await this.database.prisma.timelineEntry.findMany({
      where: { incidentId, kind },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => Math.floor((r.occurredAt.getTime() - from) / MIN));
  }

  /** The incident's Slack channel, once the publishing activity has made it. */
  async channelOf(incidentId: string): Promise<string> {
    const row = await eventually(() => this.database.prisma.slackChannel.findUniqueOrThrow({ where: { incidentId } }));
    return row.channelId;
  }

  /** Texts the fake Slack holds in a channel (a user id: the bot's DM with them) that mention `needle`. */
  posts(channelOrUser: string, needle: string): string[] {
    const channel = /^[UW]/.test(channelOrUser) ? `D${channelOrUser.slice(1)}` : channelOrUser;
    if (!this.slack.state.channels.has(channel)) return [];
    return this.slack.messages(channel).map((m) => m.text ?? '').filter((t) => t.includes(needle));
  }

  /** Ends what the test started, so its timers do not fire into the next test. */
  async endStarted(): Promise<void> {
    for (const id of this.started.splice(0)) {
      const handle = this.env.client.workflow.getHandle(id);
      // Terminating a workflow while one of its activities runs leaves the
      // time-skipping server locked for good (the next sleep never returns):
      // let the activities in flight finish first.
      for (let i = 0; i < 100; i += 1) {
        const d = await handle.describe().catch(() => undefined);
        if (!d || d.status.name !== 'RUNNING' || (d.raw.pendingActivities ?? []).length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.terminate('test over').catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.endStarted();
    this.worker.shutdown();
    await this.running;
    await this.mailer.close();
    await this.smtp.stop();
    await this.slack.stop();
    await this.database.drop();
    await this.env.teardown();
  }
}

/** One harness for the whole file; what each test starts is ended after it. */
export function fullWorkerHarnessPerFile(): () => FullWorkerHarness {
  let harness: FullWorkerHarness | undefined;
  beforeAll(async () => {
    harness = await FullWorkerHarness.start();
  });
  afterEach(async () => {
    await harness?.endStarted();
  });
  afterAll(async () => {
    await harness?.stop();
  });
  return () => {
    if (!harness) throw new Error('the harness has not started');
    return harness;
  };
}
