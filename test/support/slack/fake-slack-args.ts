// Arguments of one Web API call, normalised across the two encodings Slack
// accepts. @slack/web-api sends application/x-www-form-urlencoded where every
// value is a string and arrays/objects (blocks, metadata, view) are
// JSON-encoded inside a field; a JSON body carries real booleans, numbers and
// objects. Handlers read through this class so they work for both.

/** An `{ ok: false, error }` answer; `extra` is merged into the body (e.g. `errors`, `response_metadata`). */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

/** Fields that @slack/web-api JSON-encodes inside a form body because they are arrays or objects. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'unfurls', 'user_auth_blocks']);

/** Decodes the JSON-encoded fields of a form body, leaving every other value as the string it arrived as. */
export function decodeFormFields(fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = JSON_FIELDS.has(key) ? tryJson(value) : value;
  }
  return out;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value; // left as is: the handler then reports the field as malformed, like Slack does
  }
}

export class CallArgs {
  constructor(readonly values: Record<string, unknown>) {}

  has(name: string): boolean {
    const v = this.values[name];
    return v !== undefined && v !== null && v !== '';
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null || v === '') return undefined;
    return typeof v === 'string' ? v : String(v);
  }

  /** A required string; a missing one answers with `error` (Slack names the error per method). */
  need(name: string, error: string): string {
    const v = this.str(name);
    if (v === undefined) throw new SlackApiError(error);
    return v;
  }

  /** Form bodies carry booleans as "true"/"1"; JSON bodies as real booleans. */
  bool(name: string): boolean {
    const v = this.values[name];
    return v === true || v === 1 || v === 'true' || v === '1';
  }

  int(name: string, fallback: number): number {
    const v = this.values[name];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? Math.trunc(n) : fallback;
  }

  /** An array/object field, whether it came JSON-encoded in a form field or as real JSON. */
  json(name: string, errorIfMalformed: string): unknown {
    const v = this.values[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      throw new SlackApiError(errorIfMalformed);
    }
  }

  /** Comma-separated id lists (`users=U1,U2`) may also arrive as a JSON array. */
  list(name: string): string[] {
    const v = this.values[name];
    if (Array.isArray(v)) return v.map(String);
    const s = this.str(name);
    if (s === undefined) return [];
    return s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
