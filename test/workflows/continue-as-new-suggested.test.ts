// Both workflows continue-as-new when Temporal suggests it, not only past their
// own event threshold (issue 10, "Bounded history"). The time-skipping server
// never suggests it, so this runs on the dev server told to suggest it early
// (dynamic config `limit.historyCount.suggestContinueAsNew`), with the workflows'
// own thresholds left at their defaults (10,000 events).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { loadPolicy } from '../../src/policy/load';
import { startDevEnvironment } from '../../src/temporal/servers';
import { workflowBundle } from '../../src/temporal/worker';
import { breachNotificationWorkflowV2 } from '../../src/workflows/breach/breach-notification-workflow-v2';
import { breachWorkflowId, setNoticeUpdate } from '../../src/workflows/breach/messages';
import { breachStateQueryV2 } from '../../src/workflows/breach/messages-v2';
import type { BreachStateV2 } from '../../src/workflows/breach/state-v2';
import { incidentWorkflow } from '../../src/workflows/incident/incident-workflow';
import * as msg from '../../src/workflows/incident/messages';
import { eventually } from '../support/eventually';
import { breachPolicy, completeNotice } from '../support/breach-harness';
import { RecordingActivities } from '../support/fake-activities';

jest.setTimeout(300_000);
const SUGGEST_AT = 40;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevEnvironment({ extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`] });
});
afterAll(async () => {
  await env?.teardown();
});

test('the incident continues-as-new when Temporal suggests it, its own threshold untouched; nothing lost or repeated', async () => {
  const policy = loadPolicy().incident;
  expect(policy.continueAsNewAfterEvents).toBe(10_000);
  const acts = new RecordingActivities();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'suggested', workflowBundle: await workflowBundle(), activities: acts as never });
  await worker.runUntil(async () => {
    const id = 'INC-20310303-suggested';
    const handle = await env.client.workflow.start(incidentWorkflow, { workflowId: id, taskQueue: 'suggested', args: [{ id, title: 'Slow queue', severity: 'SEV4', declaredBy: 'U-a' }, policy] });
    const UPDATES = 20;
    for (let i = 1; i <= UPDATES; i += 1) {
      await handle.executeUpdate(msg.postStatusUpdate, { args: [{ actor: 'U-a', text: `update ${i}` }] });
      // Updates a moment apart (in an incident, minutes): a run hands over in a quiet moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await eventually(async () => expect(acts.entries('status_update')).toHaveLength(UPDATES));

    // Several runs, each handed over soon after the suggestion, none anywhere near 10,000 events.
    const runs = await eventually(async () => {
      const lengths: number[] = [];
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId) {
        const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
        lengths.push(history.events?.length ?? 0);
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      expect(lengths.length).toBeGreaterThanOrEqual(3);
      return lengths;
    });
    console.log(`runs: ${runs.join(', ')} events`);
    // A run hands over at the first quiet moment after the suggestion: far below its own 10,000.
    expect(Math.max(...runs)).toBeLessThan(500);
    expect(acts.entries('status_update').map((e) => e.text)).toEqual(Array.from({ length: UPDATES }, (_, i) => `update ${i + 1}`));
    expect((await handle.query(msg.stateQuery)).lastStatusUpdateAt).toEqual(expect.any(String));
    await handle.terminate('test over');
  });
});

test('the v2 breach continues-as-new when Temporal suggests it, its own threshold untouched, and keeps its notice', async () => {
  const recorded: string[] = [];
  const activities = {
    recordBreachEvent: async (input: { entry: { kind: string } }) => void recorded.push(input.entry.kind),
    deliverNotification: async () => undefined,
  };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'suggested-breach', workflowBundle: await workflowBundle(), activities: activities as never });
  await worker.runUntil(async () => {
    const incidentId = 'INC-20310303-sugbreach';
    const handle = await env.client.workflow.start(breachNotificationWorkflowV2, {
      workflowId: breachWorkflowId(incidentId),
      taskQueue: 'suggested-breach',
      args: [{ incidentId, incidentTitle: 'Export bucket public', verifiedAt: new Date().toISOString(), verifiedBy: 'U0DPO' }, breachPolicy, {}],
    });
    const DRAFTS = 15;
    for (let i = 1; i <= DRAFTS; i += 1) {
      await handle.executeUpdate(setNoticeUpdate, { args: [{ actor: 'U0BOB', notice: { ...completeNotice, nature: `${completeNotice.nature} (draft ${i})` } }] });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const runs = await eventually(async () => {
      const lengths: number[] = [];
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId) {
        const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        lengths.push(history.events?.length ?? 0);
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      expect(lengths.length).toBeGreaterThanOrEqual(2);
      return lengths;
    });
    console.log(`breach runs: ${runs.join(', ')} events`);
    expect(Math.max(...runs)).toBeLessThan(500);
    expect(recorded.filter((k) => k === 'breach_notice_drafted')).toHaveLength(DRAFTS);
    const state = (await handle.query(breachStateQueryV2)) as BreachStateV2;
    expect(state.notice?.nature).toBe(`${completeNotice.nature} (draft ${DRAFTS})`);
    await handle.terminate('test over');
  });
});
