// Replays a recorded breach notification history (customers, a change request,
// a ladder reminder, approval, a failed send retried, a rejected address
// corrected, the authority notified) against today's workflow code. Breach
// workflows run for days: a change that would break running ones fails here.
// Re-record deliberately with: npx tsx scripts/record-breach-history.ts
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker';

test('the recorded breach history replays without non-determinism', async () => {
  const history = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/breach-history.json'), 'utf8'));
  const scheduled = (name: string) =>
    history.events.filter((e: { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }) => e.activityTaskScheduledEventAttributes?.activityType.name === name).length;
  // The history covers what it claims to: sends with a retry and a resend, and notifications.
  expect(scheduled('sendBreachNotice')).toBe(5);
  expect(scheduled('deliverNotification')).toBe(3);
  await expect(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'INC-20261122-bhist-breach'),
  ).resolves.toBeUndefined();
});
