import { addBusinessDays } from '../../src/workflows/incident/business-days';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

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
