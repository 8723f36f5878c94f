// Postmortem due dates are promised in business days: Monday to Friday in the
// policy's time zone, skipping listed holidays (dates in that zone). The due date
// keeps the local time of day, across DST changes. Pure arithmetic plus V8's
// Intl (deterministic for a given zone database), so the workflow stays
// deterministic; in UTC the result is the instant plus whole 24-hour days, as it
// always was, so histories recorded before time zones replay unchanged.

const DAY_MS = 86_400_000;

/** Milliseconds to add to an instant to get its wall-clock time in the zone, read as UTC. */
type OffsetOf = (ms: number) => number;

function offsetIn(timeZone: string): OffsetOf {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (ms) => {
    const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
    const part: Record<string, number> = {};
    for (const { type, value } of format.formatToParts(wholeSecond)) part[type] = Number(value);
    // Some ICU versions write midnight as 24:00 of the same date.
    const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour! % 24, part.minute!, part.second!);
    return wall - wholeSecond;
  };
}

/**
 * The instant whose wall-clock time in the zone is `wallMs`. A time skipped by a
 * DST change moves forward by the gap (02:30 → 03:30); a repeated one takes the
 * earlier instant.
 */
function instantAt(wallMs: number, offsetOf: OffsetOf): number {
  const offsets = [offsetOf(wallMs - DAY_MS), offsetOf(wallMs + DAY_MS)];
  const matching = offsets.map((o) => wallMs - o).filter((t) => t + offsetOf(t) === wallMs);
  return matching.length > 0 ? Math.min(...matching) : wallMs - offsets[0]!;
}

function isBusinessDay(dayNumber: number, holidays: ReadonlySet<string>): boolean {
  // Day 0 (1970-01-01) was a Thursday; 0 = Sunday.
  const weekday = (((dayNumber + 4) % 7) + 7) % 7;
  if (weekday === 0 || weekday === 6) return false;
  return !holidays.has(new Date(dayNumber * DAY_MS).toISOString().slice(0, 10));
}

/** The same local time of day `days` business days after `fromMs`, judged in `timeZone`. */
export function addBusinessDays(
  fromMs: number,
  days: number,
  holidays: readonly string[] = [],
  timeZone = 'UTC',
): number {
  const skip = new Set(holidays);
  const offsetOf = offsetIn(timeZone);
  const wall = fromMs + offsetOf(fromMs);
  let day = Math.floor(wall / DAY_MS);
  const timeOfDay = wall - day * DAY_MS;
  let remaining = days;
  while (remaining > 0) {
    day += 1;
    if (isBusinessDay(day, skip)) remaining -= 1;
  }
  return instantAt(day * DAY_MS + timeOfDay, offsetOf);
}
