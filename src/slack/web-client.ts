// One way to call Slack's Web API from activities: no client-side retries or
// waiting; Temporal retries the activity instead, after Slack's Retry-After.
import { ApplicationFailure } from '@temporalio/common';
import { LogLevel, WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';

export function createSlackWebClient(token: string, slackApiUrl?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

/** Slack errors no retry can fix: the activity fails at once with the reason. */
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'channel_not_found',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
]);

/** Runs a Web API call, turning Slack's errors into Temporal retry decisions. */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WebAPIRateLimitedError) {
      throw ApplicationFailure.create({
        type: 'SlackRateLimited',
        message: `Slack rate-limited ${method}; retrying after ${err.retryAfter} s`,
        nextRetryDelay: `${Math.max(1, err.retryAfter)} seconds`,
      });
    }
    if (err instanceof WebAPIPlatformError) {
      const code = String(err.data.error);
      throw ApplicationFailure.create({
        type: `Slack:${code}`,
        message: `Slack ${method} failed: ${code}`,
        nonRetryable: PERMANENT.has(code),
      });
    }
    throw err;
  }
}

/** The Slack error code of a failed call, if it was one. */
export function slackErrorCode(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure && err.type?.startsWith('Slack:')) return err.type.slice('Slack:'.length);
  return undefined;
}
