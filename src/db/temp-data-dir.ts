import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDataDir {
  /** Not yet created; pass it to startEmbeddedPostgres. */
  dataDir: string;
  /** Removes the data dir and its temporary parent. */
  remove(): Promise<void>;
}

/**
 * A fresh place for a throw-away cluster. mkdtemp makes its directory 0700, which
 * the postgres OS user (used when we run as root) could not enter; 0711 lets it
 * reach its own data dir inside without being able to list anything else.
 */
export async function makeTempDataDir(prefix: string): Promise<TempDataDir> {
  const parent = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(parent, 0o711);
  return {
    dataDir: path.join(parent, 'pg'),
    remove: () => rm(parent, { recursive: true, force: true }),
  };
}
