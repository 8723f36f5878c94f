// Reads a file a user uploaded through a modal's file input. The bot token goes
// only to Slack's own file host (or the configured test Slack), never to a URL
// taken from the payload alone.
import { UserFacingError } from '../bot/user-facing-error';

export interface SlackFileRef {
  id: string;
  name?: string | null;
  size?: number | null;
  url_private_download?: string | null;
  url_private?: string | null;
}

export interface DownloadOptions {
  botToken: string;
  /** Origins the token may be sent to; Slack's is https://files.slack.com. */
  allowedOrigins: readonly string[];
  maxBytes: number;
  timeoutMs: number;
}

export const SLACK_FILE_ORIGIN = 'https://files.slack.com';

export async function downloadSlackFile(file: SlackFileRef, opts: DownloadOptions): Promise<string> {
  const name = file.name ?? 'the file';
  if (file.size && file.size > opts.maxBytes) {
    throw new UserFacingError(`${name} is ${Math.ceil(file.size / 1024)} KiB; the limit is ${Math.floor(opts.maxBytes / 1024)} KiB.`);
  }
  const raw = file.url_private_download ?? file.url_private;
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    throw new UserFacingError(`Slack gave no download link for ${name}; upload it again.`);
  }
  if (!opts.allowedOrigins.includes(url.origin)) throw new UserFacingError(`${name} is not stored by Slack; upload it again.`);

  const res = await fetch(url, {
    headers: { authorization: `Bearer ${opts.botToken}` },
    // A redirect would mean a login page (missing files:read scope), never the file.
    redirect: 'manual',
    signal: AbortSignal.timeout(opts.timeoutMs),
  }).catch((err: unknown) => {
    throw new UserFacingError(`Could not fetch ${name} from Slack (${err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'network error'}); try again.`);
  });
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || type.startsWith('text/html')) {
    throw new UserFacingError(`Slack did not hand over ${name} (HTTP ${res.status}). Does the Rampart app have the files:read scope?`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > opts.maxBytes) throw new UserFacingError(`${name} is larger than ${Math.floor(opts.maxBytes / 1024)} KiB.`);
  return body.toString('utf8').replace(/^\uFEFF/, ''); // spreadsheets often save a byte-order mark
}
