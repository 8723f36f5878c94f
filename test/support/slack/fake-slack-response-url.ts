// The response_url endpoints that slash commands and block actions carry.
// Slack lets an app POST to one at most 5 times within 30 minutes; the fake
// keeps that rule so a bot that over-uses respond() fails here as in production.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './fake-slack-http';
import { isRecord } from './fake-slack-args';
import type { FakeSlackState } from './fake-slack-state';

export const RESPONSE_URL_MAX_POSTS = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

/** ids handed out by responseUrl(id), with when they were issued. */
export type IssuedResponseUrls = Map<string, number>;

export async function handleResponseUrl(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  issued: IssuedResponseUrls,
  state: FakeSlackState,
): Promise<void> {
  const body = await readBody(req);
  const issuedAt = issued.get(id);
  if (req.method !== 'POST' || issuedAt === undefined) {
    sendJson(res, 404, { ok: false, error: 'invalid_url' });
    return;
  }
  const contentType = req.headers['content-type'] ?? '';
  let parsed: unknown = body.toString('utf8');
  if (contentType.startsWith('application/json')) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  const posts = state.responseUrlPosts.get(id) ?? [];
  state.responseUrlPosts.set(id, posts);
  const accepted = posts.filter((p) => p.status === 200).length;
  const [status, answer] = judge(parsed, accepted, state.now() - issuedAt);
  posts.push({ body: parsed, contentType, at: state.now(), status });
  sendJson(res, status, answer);
}

function judge(body: unknown, accepted: number, ageMs: number): [number, Record<string, unknown>] {
  if (ageMs > RESPONSE_URL_TTL_MS) return [404, { ok: false, error: 'expired_url' }];
  if (accepted >= RESPONSE_URL_MAX_POSTS) return [404, { ok: false, error: 'used_url' }];
  if (!isRecord(body)) return [400, { ok: false, error: 'invalid_payload' }];
  const hasContent = ['text', 'blocks', 'attachments'].some((k) => body[k] !== undefined) || body.delete_original === true;
  if (!hasContent) return [400, { ok: false, error: 'no_text' }];
  return [200, { ok: true }];
}
