// A seeded random source (mulberry32), so a chaos run's choices (kill moments,
// pauses, commands) can be replayed with --seed; the timings still vary.
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number of milliseconds in [minMs, maxMs]. */
  between(minMs: number, maxMs: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (minMs, maxMs) => Math.round(minMs + next() * (maxMs - minMs)),
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}
