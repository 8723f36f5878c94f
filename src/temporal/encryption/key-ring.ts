// The keys that encrypt workflow payloads: each has an id; the first encrypts,
// every one decrypts, so a key is rotated by putting a new one first and keeping
// the old ones until nothing encrypted with them is needed. Keys come from the
// environment or a file, never from the repository; the quick start makes its
// own file in the data directory (readable by this user only).
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export interface KeyRing {
  /** The key new payloads are encrypted with. */
  current: { id: string; key: Buffer };
  byId: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `id:base64key`, comma- or newline-separated, the current key first; each key 32 bytes (AES-256). */
export const keyListSchema = z
  .string()
  .transform((text) =>
    text
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .flatMap((line) => line.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .pipe(
    z
      .array(
        z.string().transform((entry, ctx) => {
          const at = entry.indexOf(':');
          const id = entry.slice(0, at);
          const key = Buffer.from(entry.slice(at + 1), 'base64');
          if (at <= 0 || !KEY_ID.test(id)) ctx.addIssue({ code: 'custom', message: 'each key is "id:base64" with an id of letters, digits, . _ -' });
          else if (key.length !== 32) ctx.addIssue({ code: 'custom', message: `key "${id}" is ${key.length} bytes; AES-256 needs 32 (openssl rand -base64 32)` });
          return { id, key };
        }),
      )
      .min(1, 'no key given'),
  );

export function parseKeyRing(text: string): KeyRing {
  const parsed = keyListSchema.safeParse(text);
  // Messages only: never the key text itself.
  if (!parsed.success) throw new Error(`encryption keys: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const keys = parsed.data;
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (byId.has(id)) throw new Error(`encryption key id "${id}" is listed twice`);
    byId.set(id, key);
  }
  const [current] = keys;
  if (!current) throw new Error('no encryption key given');
  return { current, byId };
}

/** The name of the quick start's own key file, inside the data directory. */
export const QUICK_START_KEY_FILE = 'encryption-keys';

/**
 * RAMPART_ENCRYPTION_KEYS, else the file RAMPART_ENCRYPTION_KEYS_FILE names,
 * else (quick start) the data directory's own file, made with a new random key
 * the first time; undefined when none applies (payloads are then not encrypted).
 */
export async function loadKeyRing(o: { keys?: string; keysFile?: string; quickStartDataDir?: string }): Promise<KeyRing | undefined> {
  if (o.keys) return parseKeyRing(o.keys);
  if (o.keysFile) return parseKeyRing(await readFile(o.keysFile, 'utf8'));
  if (!o.quickStartDataDir) return undefined;
  const file = path.join(o.quickStartDataDir, QUICK_START_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing !== undefined) return parseKeyRing(existing);
  const text = `# Rampart's workflow payload keys (id:base64), current first. Keep a copy: without it, history cannot be read.\nk1:${randomBytes(32).toString('base64')}\n`;
  // 'wx': a second process starting at the same moment keeps the first one's key.
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await chmod(file, 0o600);
  return parseKeyRing(await readFile(file, 'utf8'));
}
