import { ApplicationFailure } from '@temporalio/activity';
import type { IncidentNotification } from '../domain/notification';
import type { RecordIncidentEventInput } from '../workflows/incident/activities-contract';
import type { Connector } from './connectors/connector';

/** Runs `call` on every connector that has it; any failure fails (and so retries) the activity. */
async function fanOut(connectors: readonly Connector[], what: string, call: (c: Connector) => Promise<void> | undefined) {
  const results = await Promise.allSettled(connectors.map(async (c) => call(c)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: connectors[i]?.name, reason: r.reason }] : []));
  if (failed.length === 0) return;
  // A connector's own ApplicationFailure (e.g. Slack's Retry-After delay) decides how to retry.
  const own = failed.find((f) => f.reason instanceof ApplicationFailure)?.reason as ApplicationFailure | undefined;
  if (own && failed.length === 1) throw own;
  throw ApplicationFailure.retryable(`${what} failed in ${failed.map((f) => `${f.name}: ${String(f.reason)}`).join('; ')}`);
}

export function createConnectorActivities(connectors: readonly Connector[]) {
  return {
    async deliverNotification(notification: IncidentNotification): Promise<void> {
      await fanOut(connectors, 'notification', (c) => c.deliver?.(notification));
    },
    async publishIncidentEvent(event: RecordIncidentEventInput): Promise<void> {
      await fanOut(connectors, 'publishing', (c) => c.onIncidentEvent?.(event));
    },
  };
}
