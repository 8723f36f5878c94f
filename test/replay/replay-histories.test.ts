// Replays every committed history (test/histories/<release>/<workflowId>.json)
// against today's workflow bundle. Workflows run for days and weeks: a change to
// src/workflows that is not guarded by patched() breaks the ones already running,
// and fails here with a determinism error. Each history must first still contain
// what it was recorded for (history-coverage.ts), so none can pass by being empty.
// Record a new release's histories with: npx tsx scripts/record-histories.ts
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker';
import { HISTORY_COVERAGE } from './history-coverage';
import { recordedHistories, summarize } from './history-summary';

const histories = recordedHistories();

test('every committed history has its coverage facts, and every fact names a committed history', () => {
  expect(histories.map((h) => h.name)).toEqual(Object.keys(HISTORY_COVERAGE).sort());
});

describe.each(histories)('$name', (history) => {
  test('still covers what it was recorded for', () => {
    const cover = HISTORY_COVERAGE[history.name];
    if (!cover) throw new Error(`no coverage facts for ${history.name} in test/replay/history-coverage.ts`);
    cover(summarize(history.json));
  });

  test('replays against today’s workflow code without non-determinism', async () => {
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history.json, history.workflowId),
    ).resolves.toBeUndefined();
  }, 300_000);
});
