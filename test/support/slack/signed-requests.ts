// Signing and sending requests the way Slack does, so tests drive a Bolt app
// through its real signature check. Slack's v0 scheme: HMAC-SHA256, keyed with
// the app's signing secret, over "v0:<timestamp>:<raw body>", sent hex-encoded
// as "v0=<hex>" in X-Slack-Signature alongside X-Slack-Request-Timestamp.
import { createHmac } from 'node:crypto';
import { FORM, JSON_TYPE, type BuiltRequest } from './slack-interactive-payloads';

export * from './slack-interactive-payloads';
export * from './slack-event-payloads';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
  [header: string]: string;
}

/** The body Slack sends is JSON for events and a form for everything else. */
function guessContentType(rawBody: string): string {
  return rawBody.trimStart().startsWith('{') ? JSON_TYPE : FORM;
}

export function signSlackRequest(
  rawBody: string,
  signingSecret: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
  contentType: string = guessContentType(rawBody),
): SlackSignatureHeaders {
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return {
    'x-slack-signature': `v0=${hex}`,
    'x-slack-request-timestamp': String(timestampSeconds),
    'content-type': contentType,
  };
}

export interface SignedResponse {
  status: number;
  text: string;
  headers: Headers;
}

export interface PostSignedOptions {
  /** Sign with this timestamp instead of now (e.g. 6 minutes ago to test replay protection). */
  timestampSeconds?: number;
  /** Extra headers, e.g. x-slack-retry-num to imitate a redelivery. */
  headers?: Record<string, string>;
}

export async function postSigned(
  url: string,
  body: string,
  contentType: string,
  secret: string,
  opts: PostSignedOptions = {},
): Promise<SignedResponse> {
  const headers = { ...signSlackRequest(body, secret, opts.timestampSeconds, contentType), ...opts.headers };
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** postSigned for a body built by one of the payload builders. */
export function sendSigned<P>(url: string, request: BuiltRequest<P>, secret: string, opts: PostSignedOptions = {}): Promise<SignedResponse> {
  return postSigned(url, request.body, request.contentType, secret, opts);
}
