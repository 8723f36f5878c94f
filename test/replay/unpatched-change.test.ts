// A change to workflow commands without patched() must fail replay: this is what
// makes replay-histories.test.ts worth running. Each case replays a committed
// history against a copy of today's workflow with one deliberate edit and
// expects the SDK's determinism error; the unedited copy, made the same way,
// replays cleanly, so the failure comes from the edit and nothing else.
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
// What Worker.runReplayHistory throws for non-determinism (it comes from the workflow package).
import { DeterminismViolationError } from '@temporalio/workflow';
import { recordedHistories, type RecordedHistory } from './history-summary';
import { bundleWithCopies, replaceOnce } from './workflow-copy';

const INCIDENT = 'incident/incident-workflow.ts';
const BREACH = 'breach/breach-notification-workflow.ts';

function history(name: string): RecordedHistory {
  const found = recordedHistories().find((h) => h.name === name);
  if (!found) throw new Error(`committed history ${name} not found`);
  return found;
}
const incidentHistory = history('2026-12-01/INC-20261201-hist.json');
const unpatchedBreachHistory = history('2026-11-22/INC-20261122-bhist-breach.json');
const patchedBreachHistory = history('2026-12-01/INC-20261201-bhist-breach.json');

const replay = (bundle: WorkflowBundleWithSourceMap, h: RecordedHistory) =>
  Worker.runReplayHistory({ workflowBundle: bundle }, h.json, h.workflowId);

/** Notify after recording instead of before, in acknowledgement escalation: same effects, other order. */
function swapEscalationNotifyAndRecord(source: string): string {
  const notify = "    await notify('ack_escalation', ['incident-channel', target], text);\n";
  const record = "    await record('ack_escalated', 'rampart', text);\n";
  return replaceOnce(source, notify + record, record + notify);
}

/** Always tell the incident, also in runs started before the patch existed. */
function dropBreachProgressPatch(source: string): string {
  return replaceOnce(source, '    if (!patched(BREACH_PROGRESS_TO_INCIDENT)) return; // runs started before this existed\n', '');
}

test('the unedited copies replay the histories the edits are tested against', async () => {
  const copies = await bundleWithCopies('unedited', [{ file: INCIDENT }, { file: BREACH }]);
  for (const h of [incidentHistory, unpatchedBreachHistory, patchedBreachHistory]) {
    await expect(replay(copies, h)).resolves.toBeUndefined();
  }
}, 300_000);

test('swapping two activity calls of the incident workflow fails replay with a determinism error', async () => {
  const edited = await bundleWithCopies('swapped-escalation', [{ file: INCIDENT, edit: swapEscalationNotifyAndRecord }]);
  await expect(replay(edited, incidentHistory)).rejects.toThrow(DeterminismViolationError);
}, 300_000);

test('dropping the patched() guard of the breach workflow fails replay of breaches recorded before and after the patch', async () => {
  const edited = await bundleWithCopies('unguarded-progress', [{ file: BREACH, edit: dropBreachProgressPatch }]);
  // Before: the edited code signals the incident where the history has none.
  await expect(replay(edited, unpatchedBreachHistory)).rejects.toThrow(DeterminismViolationError);
  // After: the history's patch marker has no patched() call left to match (deprecatePatch() is the way out).
  const after = replay(edited, patchedBreachHistory);
  await expect(after).rejects.toThrow(DeterminismViolationError);
  await expect(after).rejects.toThrow(/patch marker encountered for change breach-progress-to-incident/);
}, 300_000);

test('an edit whose search text is gone fails loudly instead of testing nothing', () => {
  expect(() => replaceOnce('const a = 1;\n', 'const b = 2;\n', '')).toThrow(/search text not found/);
  expect(() => replaceOnce('x;\nx;\n', 'x;\n', '')).toThrow(/more than once/);
});
