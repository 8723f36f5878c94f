import { execFile } from 'node:child_process';
import { chown, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface OsUser {
  uid: number;
  gid: number;
  /** Every group the user is in, primary included. */
  groups: number[];
}

export function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The uid/gid of the `postgres` OS account, which PostgreSQL runs as when we are root. */
export async function postgresOsUser(): Promise<OsUser> {
  try {
    const [uid, gid, groups] = await Promise.all(
      ['-u', '-g', '-G'].map((flag) => execFileAsync('id', [flag, 'postgres'])),
    );
    return {
      uid: Number.parseInt(uid?.stdout ?? '', 10),
      gid: Number.parseInt(gid?.stdout ?? '', 10),
      groups: (groups?.stdout ?? '').trim().split(/\s+/).map((g) => Number.parseInt(g, 10)),
    };
  } catch {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no "postgres" OS user to run it as; ' +
        'create one (e.g. `useradd --system postgres`) or run Rampart as a non-root user',
    );
  }
}

/**
 * Creates `dataDir` (mode 0700, as initdb wants) and, when we are root, hands a new or
 * empty one to the postgres user. Fails early with a clear message when the postgres
 * user could not even reach it (e.g. under a 0700 temp dir owned by root), instead of
 * letting initdb die with "permission denied" deep inside the library.
 */
export async function prepareDataDir(dataDir: string, owner: OsUser | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner === undefined) return;
  if ((await readdir(dataDir)).length === 0) await chown(dataDir, owner.uid, owner.gid);
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    if (!(await traversable(dir, owner))) {
      throw new Error(
        `the postgres OS user cannot reach the data directory: ${dir} is not searchable by it ` +
          '(chmod o+x it, or choose a data directory elsewhere)',
      );
    }
    if (path.dirname(dir) === dir) break;
  }
}

async function traversable(dir: string, user: OsUser): Promise<boolean> {
  const { mode, uid, gid } = await stat(dir);
  if (uid === user.uid) return (mode & 0o100) !== 0;
  if (user.groups.includes(gid)) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}
