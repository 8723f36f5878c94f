// Calls Rampart's HTTP API the way a careful client does: every change carries
// an Idempotency-Key, and a request that fails without an answer (connection
// refused, no reply in time, a 5xx while Temporal or the worker is away) is sent
// again with the same key until `giveUpAfterMs`, so it is applied once.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const ATTEMPT_TIMEOUT_MS = 60_000;
const PAUSE_BETWEEN_ATTEMPTS_MS = 1_000;

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON, read by the caller
  body: any;
  attempts: number;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  json?: unknown;
  csv?: string;
  /** Default: a fresh key per request (a change), none for GET. */
  idempotencyKey?: string;
  giveUpAfterMs: number;
  /** Answers (besides 5xx) that mean "not yet", to be asked again (e.g. 404 before a child workflow exists). */
  retryOn?: readonly number[];
}

export class ApiUnanswered extends Error {}

export async function callApi(baseUrl: string, request: ApiRequest): Promise<ApiAnswer> {
  const key = request.idempotencyKey ?? (request.method === 'GET' ? undefined : randomUUID());
  const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
  let body: string | undefined;
  if (request.csv !== undefined) [headers['content-type'], body] = ['text/csv', request.csv];
  else if (request.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(request.json)];

  const giveUpAt = Date.now() + request.giveUpAfterMs;
  let last = 'no attempt';
  for (let attempts = 1; ; attempts += 1) {
    try {
      const res = await fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.timeout(Math.min(ATTEMPT_TIMEOUT_MS, Math.max(1_000, giveUpAt - Date.now()))),
      });
      const text = await res.text();
      const answer = { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, attempts };
      if (res.status < 500 && !request.retryOn?.includes(res.status)) return answer;
      last = `${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (Date.now() + PAUSE_BETWEEN_ATTEMPTS_MS >= giveUpAt) {
      throw new ApiUnanswered(`${request.method} ${request.path}: no answer after ${attempts} attempt(s); last: ${last}`);
    }
    await sleep(PAUSE_BETWEEN_ATTEMPTS_MS);
  }
}
