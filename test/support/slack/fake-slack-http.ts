// Reading a Web API request the way Slack does: args from the query string
// and from a form, multipart or JSON body; the token from the Authorization
// header or a `token` argument.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlackApiError, decodeFormFields, isRecord } from './fake-slack-args';

export type BodyEncoding = 'form' | 'json' | 'multipart' | 'none';

export interface ParsedCall {
  encoding: BodyEncoding;
  /** Arguments as they arrived (form values are strings; JSON values keep their types). */
  rawArgs: Record<string, unknown>;
  /** Arguments with JSON-encoded form fields (blocks, metadata, view, …) decoded. */
  args: Record<string, unknown>;
  token: string | undefined;
  tokenSource: 'header' | 'body' | 'both' | 'none';
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string | undefined {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

async function bodyArgs(req: IncomingMessage, body: Buffer): Promise<{ encoding: BodyEncoding; values: Record<string, unknown> }> {
  const type = mediaType(req);
  if (body.length === 0) {
    // WebClient sends a call without arguments as an empty form body.
    return { encoding: type === 'application/x-www-form-urlencoded' ? 'form' : type === 'application/json' ? 'json' : 'none', values: {} };
  }
  if (type === undefined) throw new SlackApiError('missing_post_type');
  if (type === 'application/x-www-form-urlencoded') {
    return { encoding: 'form', values: Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (!isRecord(parsed)) throw new SlackApiError('invalid_json');
    return { encoding: 'json', values: parsed };
  }
  if (type === 'multipart/form-data') {
    const form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    const values: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      values[key] = typeof value === 'string' ? value : { filename: value.name, size: value.size };
    }
    return { encoding: 'multipart', values };
  }
  throw new SlackApiError('invalid_post_type');
}

export async function parseCall(req: IncomingMessage, url: URL, body: Buffer): Promise<ParsedCall> {
  const query = Object.fromEntries(url.searchParams);
  const { encoding, values } = await bodyArgs(req, body);
  const rawArgs: Record<string, unknown> = { ...query, ...values };
  const header = req.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  const bodyToken = typeof rawArgs.token === 'string' && rawArgs.token !== '' ? rawArgs.token : undefined;
  delete rawArgs.token; // kept out of recorded args; reported separately
  const stringArgs = Object.fromEntries(Object.entries(rawArgs).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const args = encoding === 'json' ? { ...rawArgs } : { ...rawArgs, ...decodeFormFields(stringArgs) };
  return {
    encoding,
    rawArgs,
    args,
    token: bearer ?? bodyToken,
    tokenSource: bearer && bodyToken ? 'both' : bearer ? 'header' : bodyToken ? 'body' : 'none',
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
