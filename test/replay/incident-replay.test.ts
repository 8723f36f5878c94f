// Replays a recorded incident history (escalation, reminders, postmortem
// chase, close) against today's workflow code. A change that would break
// incidents already running in production fails here with a determinism error.
// Re-record deliberately with: npx tsx scripts/record-incident-history.ts
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker';

test('the recorded incident history replays without non-determinism', async () => {
  const history = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/incident-history.json'), 'utf8'));
  expect(history.events.length).toBeGreaterThan(100);
  await expect(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'INC-20261122-hist'),
  ).resolves.toBeUndefined();
});
