import { addBusinessDays } from '../../src/workflows/incident/business-days';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** Wall-clock time in a zone, e.g. "Mon 2031-03-17 17:00", to state expectations as people read them. */
function local(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(ms);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * The implementation every incident declared before time zones ran with, kept as
 * the reference: in UTC the new one must give exactly its answers, or running
 * workflows would compute another due date on replay.
 */
function addBusinessDaysUtcBefore(fromMs: number, days: number, holidays: readonly string[] = []): number {
  const DAY_MS = 86_400_000;
  const isBusinessDay = (ms: number, skip: ReadonlySet<string>) => {
    const weekday = (Math.floor(ms / DAY_MS) + 4) % 7;
    if (weekday === 0 || weekday === 6) return false;
    return !skip.has(new Date(ms).toISOString().slice(0, 10));
  };
  const skip = new Set(holidays);
  let t = fromMs;
  let remaining = days;
  while (remaining > 0) {
    t += DAY_MS;
    if (isBusinessDay(t, skip)) remaining -= 1;
  }
  return t;
}

test('business days skip weekends and keep the time of day', () => {
  // Wednesday + 5 business days = next Wednesday.
  expect(iso(addBusinessDays(at('2026-11-18T14:30:00Z'), 5))).toBe('2026-11-25T14:30:00.000Z');
  // Friday + 1 = Monday; Saturday + 1 = Monday; Sunday + 5 = Friday.
  expect(iso(addBusinessDays(at('2026-11-20T09:00:00Z'), 1))).toBe('2026-11-23T09:00:00.000Z');
  expect(iso(addBusinessDays(at('2026-11-21T09:00:00Z'), 1))).toBe('2026-11-23T09:00:00.000Z');
  expect(iso(addBusinessDays(at('2026-11-22T09:00:00Z'), 5))).toBe('2026-11-27T09:00:00.000Z');
});

test('listed holidays are not business days', () => {
  // Thursday 2026-12-24 + 1 with 25th (Fri) a holiday = Monday 28th; 28th also a holiday = Tuesday.
  expect(iso(addBusinessDays(at('2026-12-24T12:00:00Z'), 1, ['2026-12-25']))).toBe('2026-12-28T12:00:00.000Z');
  expect(iso(addBusinessDays(at('2026-12-24T12:00:00Z'), 1, ['2026-12-25', '2026-12-28']))).toBe('2026-12-29T12:00:00.000Z');
});

test('Friday 17:00 in Los Angeles plus one business day is Monday 17:00 in Los Angeles', () => {
  const friday = at('2031-03-15T00:00:00Z'); // already Saturday in UTC
  expect(local(friday, 'America/Los_Angeles')).toBe('Fri 2031-03-14 17:00');
  const due = addBusinessDays(friday, 1, [], 'America/Los_Angeles');
  expect(local(due, 'America/Los_Angeles')).toBe('Mon 2031-03-17 17:00');
  expect(iso(due)).toBe('2031-03-18T00:00:00.000Z'); // counted in UTC it would be Sunday 17:00 in LA
});

test('the local time of day survives a DST change: 09:00 in Los Angeles stays 09:00', () => {
  // US clocks go forward on Sunday 2031-03-09 (second Sunday of March) and back on 2031-11-02.
  const thursdayMarch = at('2031-03-06T17:00:00Z');
  expect(local(thursdayMarch, 'America/Los_Angeles')).toBe('Thu 2031-03-06 09:00');
  const spring = addBusinessDays(thursdayMarch, 3, [], 'America/Los_Angeles');
  expect(local(spring, 'America/Los_Angeles')).toBe('Tue 2031-03-11 09:00');
  expect(spring - thursdayMarch).toBe(5 * 86_400_000 - 3_600_000); // the lost hour

  const fridayOctober = at('2031-10-31T16:00:00Z');
  expect(local(fridayOctober, 'America/Los_Angeles')).toBe('Fri 2031-10-31 09:00');
  const autumn = addBusinessDays(fridayOctober, 1, [], 'America/Los_Angeles');
  expect(local(autumn, 'America/Los_Angeles')).toBe('Mon 2031-11-03 09:00');
  expect(autumn - fridayOctober).toBe(3 * 86_400_000 + 3_600_000); // the hour gained
});

test('a holiday is judged by the date in the policy zone', () => {
  // Wednesday 17:00 in LA is already Thursday 2031-07-03 in UTC; Thursday is the company's holiday.
  const wednesday = at('2031-07-03T00:00:00Z');
  expect(local(wednesday, 'America/Los_Angeles')).toBe('Wed 2031-07-02 17:00');
  const due = addBusinessDays(wednesday, 1, ['2031-07-03'], 'America/Los_Angeles');
  expect(local(due, 'America/Los_Angeles')).toBe('Fri 2031-07-04 17:00');
  // Berlin, the evening before a holiday there: the next business day skips it.
  const berlin = addBusinessDays(at('2031-12-24T18:00:00Z'), 1, ['2031-12-25', '2031-12-26'], 'Europe/Berlin');
  expect(local(berlin, 'Europe/Berlin')).toBe('Mon 2031-12-29 19:00');
});

test('a local time that a DST change skips moves forward by the gap; a repeated one takes the earlier instant', () => {
  // Egypt springs forward at 00:00 on the last Friday of April (a business day) and falls
  // back at 24:00 on the last Thursday of October.
  const thursday = at('2031-04-23T22:30:00Z');
  expect(local(thursday, 'Africa/Cairo')).toBe('Thu 2031-04-24 00:30');
  expect(local(addBusinessDays(thursday, 1, [], 'Africa/Cairo'), 'Africa/Cairo')).toBe('Fri 2031-04-25 01:30');

  const wednesday = at('2031-10-29T20:30:00Z');
  expect(local(wednesday, 'Africa/Cairo')).toBe('Wed 2031-10-29 23:30');
  expect(iso(addBusinessDays(wednesday, 1, [], 'Africa/Cairo'))).toBe('2031-10-30T20:30:00.000Z');
});

test('in UTC the due date is exactly what it was before time zones, so running incidents replay unchanged', () => {
  const holidays = ['2026-12-25', '2026-12-28', '2027-01-01', '2027-05-03', '2028-02-29', '2030-07-04'];
  let compared = 0;
  // Every 37 h 13 min 7.5 s for four years: every weekday, hour and odd millisecond, leap day included.
  for (let t = at('2026-01-01T00:00:00Z'); t < at('2030-01-01T00:00:00Z'); t += 133_987_500) {
    for (const days of [1, 2, 5, 11]) {
      const before = addBusinessDaysUtcBefore(t, days, holidays);
      expect(addBusinessDays(t, days, holidays)).toBe(before);
      expect(addBusinessDays(t, days, holidays, 'UTC')).toBe(before);
      compared += 1;
    }
  }
  expect(compared).toBeGreaterThan(3_000);
});
