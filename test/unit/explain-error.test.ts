import { ServiceError } from '@temporalio/client';
import { explainError } from '../../src/bot/explain-error';
import { UserFacingError } from '../../src/bot/user-facing-error';
import { IncidentActionRejectedError } from '../../src/incidents/errors';

const lines: string[] = [];
const log = (line: string) => lines.push(line);

test('refusals are shown in plain words', () => {
  expect(explainError(new IncidentActionRejectedError('cannot close an incident that is declared'), log)).toBe(
    ':warning: Cannot close an incident that is declared',
  );
  expect(explainError(new UserFacingError('This is not an incident channel.'), log)).toContain('not an incident channel');
});

test('an incident with too many changes in flight says so instead of "something went wrong"', () => {
  const busy = new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('8 RESOURCE_EXHAUSTED: limit'), { code: 8 }) });
  expect(explainError(busy, log)).toContain('taking many changes at once');
  expect(explainError(new Error('boom\n at stack'), log)).toContain('Something went wrong');
  expect(lines.join('\n')).not.toContain('at stack');
});
