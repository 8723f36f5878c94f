// The caller's idempotency key travels with the request (HTTP `Idempotency-Key`,
// a Slack interaction's own id) to the workflow update it causes, as the
// update's id: Temporal answers a repeated update id with the first one's
// outcome instead of applying it again, so a retried request changes nothing twice.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` with `key` as the idempotency key of the updates it sends (none: `fn` as is). */
export function withIdempotencyKey<T>(key: string | undefined, fn: () => T): T {
  return key ? current.run(key, fn) : fn();
}

/**
 * The update id for an update sent while a key is current: one key means one
 * change per workflow and kind of update, whatever else the request does.
 */
export function currentUpdateId(workflowId: string, updateName: string): string | undefined {
  const key = current.getStore();
  if (key === undefined) return undefined;
  return `${updateName}-${createHash('sha256').update(`${workflowId}\n${updateName}\n${key}`).digest('hex').slice(0, 32)}`;
}

/**
 * A stable key for a signal sent while a key is current (signals have no id of
 * their own): the workflow drops a second signal with the same key.
 */
export function currentSignalKey(workflowId: string, signalName: string): string | undefined {
  return currentUpdateId(workflowId, signalName);
}
