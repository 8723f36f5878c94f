// What a Slack user is told when their request failed: plain words, never a
// stack trace. Internals go to the log, without personal data.
import { ServiceError } from '@temporalio/client';
import { IncidentActionRejectedError, IncidentNotFoundError } from '../incidents/errors';
import { UserFacingError } from './user-facing-error';

const GRPC_RESOURCE_EXHAUSTED = 8;

/** Temporal refused because too many changes to one incident are in flight at once. */
function isBusy(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const cause = err.cause as (Error & { code?: number }) | undefined;
  return cause?.code === GRPC_RESOURCE_EXHAUSTED || /RESOURCE_EXHAUSTED|update was aborted/i.test(`${err.message} ${cause?.message ?? ''}`);
}

export function explainError(err: unknown, log: (line: string) => void): string {
  if (err instanceof UserFacingError || err instanceof IncidentActionRejectedError || err instanceof IncidentNotFoundError) {
    return `:warning: ${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`;
  }
  if (isBusy(err)) {
    log('slack bot: incident busy (too many changes in flight)');
    return ':hourglass: This incident is taking many changes at once; yours was not applied. Please send it again in a moment.';
  }
  log(`slack bot: request failed: ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : 'error'}`);
  return ':warning: Something went wrong and nothing was changed. Please try again; if it keeps failing, use the API.';
}
