// Postmortem due dates are promised in business days: Monday to Friday (UTC),
// skipping listed holidays. Pure arithmetic so the workflow stays deterministic.

const DAY_MS = 86_400_000;

function isBusinessDay(ms: number, holidays: ReadonlySet<string>): boolean {
  // 1970-01-01 was a Thursday; 0 = Sunday.
  const weekday = (Math.floor(ms / DAY_MS) + 4) % 7;
  if (weekday === 0 || weekday === 6) return false;
  return !holidays.has(new Date(ms).toISOString().slice(0, 10));
}

/** The same time of day `days` business days after `fromMs`. */
export function addBusinessDays(fromMs: number, days: number, holidays: readonly string[] = []): number {
  const skip = new Set(holidays);
  let at = fromMs;
  let remaining = days;
  while (remaining > 0) {
    at += DAY_MS;
    if (isBusinessDay(at, skip)) remaining -= 1;
  }
  return at;
}
