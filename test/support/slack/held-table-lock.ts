// A PostgreSQL table made unavailable on purpose: an open transaction holds an
// ACCESS EXCLUSIVE lock on it, so every query that touches it (even a plain
// SELECT) waits until the test releases it. Tests use it to hold the bot's work
// at a known point and show what happens before that work can finish, without
// measuring time.
import type { Db } from '../../../src/db/client';

export interface HeldTableLock {
  /** How many sessions of this database are waiting for a lock right now. */
  waiters(): Promise<number>;
  /** Ends the transaction; waiting queries go on. Safe to call more than once. */
  release(): Promise<void>;
}

export async function holdTableLock(db: Db, table: string): Promise<HeldTableLock> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = (): void => undefined;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const transaction = db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
      locked();
      await released;
    },
    // Held until the test releases it, however long the test takes.
    { maxWait: 600_000, timeout: 3_600_000 },
  );
  await Promise.race([isLocked, transaction]);
  return {
    async waiters() {
      const rows = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return rows[0]?.n ?? 0;
    },
    async release() {
      release();
      await transaction;
    },
  };
}
