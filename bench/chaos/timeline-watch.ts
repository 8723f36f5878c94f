// Notes when each status reminder first appears in the database (polled every
// second): the moment it was recorded, as an auditor reading the timeline would
// see it, whatever time the workflow wrote into the entry.
import type { Db } from '../../src/db/client';

const POLL_EVERY_MS = 1_000;

export interface TimelineWatch {
  /** Entry id → when this process first saw the row (ms since the epoch). */
  firstSeen: ReadonlyMap<bigint, number>;
  /** Polls once more, then stops. */
  stop(): Promise<void>;
}

export function watchReminders(db: Db, incidentIds: readonly string[], log: (line: string) => void): TimelineWatch {
  const firstSeen = new Map<bigint, number>();
  let failures = 0;
  const poll = async () => {
    try {
      const rows = await db.timelineEntry.findMany({
        where: { incidentId: { in: [...incidentIds] }, kind: 'status_reminder' },
        select: { id: true },
      });
      const now = Date.now();
      for (const { id } of rows) if (!firstSeen.has(id)) firstSeen.set(id, now);
    } catch (err) {
      if (failures++ === 0) log(`reading the timeline failed (will keep trying): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  let polling = poll();
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, POLL_EVERY_MS);
  return {
    firstSeen,
    stop: async () => {
      clearInterval(timer);
      await polling;
      await poll();
    },
  };
}
