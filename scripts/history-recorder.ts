// Runs recording scenarios on the real Rampart worker (records in PostgreSQL,
// breach mail through the outbox mailer, the log connector) against the
// time-skipping server, and writes each workflow's history as
// `<workflowId>.json` for test/replay/replay-histories.test.ts.
//
// Everything it starts is its own and removed afterwards: a throw-away embedded
// PostgreSQL, an outbox directory, and one time-skipping server per scenario,
// each started at RECORDING_STARTS_AT so a re-recording sees the same calendar.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openDatabase } from '../src/app/database';
import { ApplicationFailure } from '@temporalio/common';
import type { Connector } from '../src/activities/connectors/connector';
import { LogConnector } from '../src/activities/connectors/log-connector';
import type { IncidentNotification } from '../src/domain/notification';
import type { Db } from '../src/db/client';
import { makeTempDataDir } from '../src/db/temp-data-dir';
import { createMailer, type Mailer } from '../src/mail/mailer';
import { loadPolicy } from '../src/policy/load';
import type { Policy } from '../src/policy/schema';
import { startDevEnvironment, startTimeSkippingEnvironment } from '../src/temporal/servers';
import { createWorker } from '../src/temporal/worker';

/** A Monday 09:00 UTC, so business days and weekdays come out the same on every recording. */
export const RECORDING_STARTS_AT = new Date('2031-03-03T09:00:00.000Z');
/** The production default (RAMPART_TASK_QUEUE), so histories look like the ones running. */
const TASK_QUEUE = 'rampart';

export interface ScenarioContext {
  env: TestWorkflowEnvironment;
  client: Client;
  taskQueue: string;
  policy: Policy;
  /** The worker's database (v2 breaches keep their customer list there, written by the service). */
  db: Db;
}

export interface Scenario {
  name: string;
  /** Wraps the outbox mailer, e.g. to refuse an address or fail a send once. */
  mailer?: (outbox: Mailer) => Mailer;
  /** Drives its workflows to completion; returns the ids whose histories to write. */
  run(ctx: ScenarioContext): Promise<string[]>;
  /** Write every run of a workflow that continued-as-new, as `<id>.run<n>.json` (n from 1), not just the last. */
  allRuns?: boolean;
  /**
   * Where to record: the time-skipping test server (default: days pass in seconds) or
   * the dev server, the production server, in real time (no `env.sleep`).
   */
  server?: 'time-skipping' | 'dev';
}

export async function recordScenarios(outDir: string, scenarios: readonly Scenario[]): Promise<void> {
  const policy = loadPolicy();
  const temp = await makeTempDataDir('rampart-record-');
  const quiet = () => undefined;
  try {
    const database = await openDatabase({ dataDir: path.dirname(temp.dataDir), log: quiet });
    try {
      for (const scenario of scenarios) {
        const outboxDir = await mkdtemp(path.join(tmpdir(), 'rampart-record-outbox-'));
        try {
          await recordOne(scenario, { outDir, policy, db: database.db, outboxDir });
        } finally {
          await rm(outboxDir, { recursive: true, force: true });
        }
      }
    } finally {
      await database.stop();
    }
  } finally {
    await temp.remove();
  }
}

async function recordOne(
  scenario: Scenario,
  o: { outDir: string; policy: Policy; db: Db; outboxDir: string },
): Promise<void> {
  const outbox = createMailer({ outboxDir: o.outboxDir });
  const mailer = scenario.mailer ? scenario.mailer(outbox) : outbox;
  const env = scenario.server === 'dev' ? await startDevEnvironment() : await startTimeSkippingEnvironment({ startAt: RECORDING_STARTS_AT });
  try {
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      db: o.db,
      connectors: [new LogConnector(() => undefined), new RefusesFirstAuthorityReminder()],
      mail: { mailer, from: o.policy.breach.senderAddress, companyName: o.policy.breach.companyName, fallbackTo: ['security@example.com'] },
    });
    const ids = await worker.runUntil(scenario.run({ env, client: env.client, taskQueue: TASK_QUEUE, policy: o.policy, db: o.db }));
    for (const id of ids) {
      const runs = scenario.allRuns ? await everyRun(env.client, id) : [await env.client.workflow.getHandle(id).fetchHistory()];
      for (const [i, history] of runs.entries()) {
        const file = path.join(o.outDir, scenario.allRuns ? `${id}.run${i + 1}.json` : `${id}.json`);
        await writeFile(file, `${historyToJSON(history)}\n`);
        console.log(`${scenario.name}: wrote ${file} (${history.events?.length ?? 0} events)`);
      }
    }
    const timeline = await o.db.timelineEntry.count({ where: { incidentId: { in: ids } } });
    const mails = (await readdir(o.outboxDir)).filter((f) => f.endsWith('.eml')).length;
    console.log(`${scenario.name}: ${timeline} timeline entries in PostgreSQL, ${mails} notice(s) in the outbox`);
  } finally {
    await mailer.close();
    await env.teardown();
  }
}

/**
 * Refuses the first GDPR authority reminder for good, as Slack refuses a post to an
 * archived channel: the history then holds the failure recorded and the reminder
 * emailed to the fallback address instead.
 */
class RefusesFirstAuthorityReminder implements Connector {
  readonly name = 'refuses-first-authority-reminder';
  private refused = false;
  async deliver(n: IncidentNotification): Promise<void> {
    if (n.kind !== 'authority_reminder' || this.refused) return;
    this.refused = true;
    throw ApplicationFailure.nonRetryable('Slack chat.postMessage failed: is_archived', 'Slack:is_archived');
  }
}

/** Every run of a workflow, first to last, followed back from the last through `continuedExecutionRunId`. */
async function everyRun(client: Client, workflowId: string) {
  const runs = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  return runs;
}

/** Waits (real time) until a workflow started by another workflow exists, e.g. a child. */
export async function waitForWorkflow(client: Client, workflowId: string): Promise<void> {
  await waitFor(`${workflowId} to start`, () => client.workflow.getHandle(workflowId).describe().then(() => true, () => false));
}

/**
 * Waits (real time) until `check` holds: time skipping does not wait for work in
 * flight, so a scenario waits for what it expects before it skips further.
 */
export async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await check()); tries++) {
    if (tries >= 600) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
