// The breach notice as it enters Rampart (API, bot) and as the send activity
// checks it once more before any mail leaves. Same rules as notice-elements.ts,
// plus an upper bound on length.
import { z } from 'zod';
import type { BreachNotice } from '../domain/breach';
import {
  NOTICE_ELEMENT_MAX_LENGTH as MAX,
  NOTICE_ELEMENT_MIN_LENGTH as MIN,
  NOTICE_ELEMENTS,
  isReachableContact,
  type NoticeElement,
} from './notice-elements';

function labelOf(field: NoticeElement['field']): string {
  const element = NOTICE_ELEMENTS.find((e) => e.field === field);
  if (!element) throw new Error(`unknown notice element ${field}`);
  return element.label;
}

function element(field: NoticeElement['field']) {
  const label = labelOf(field);
  return z
    .string({ error: `the notice must state ${label}` })
    .trim()
    .min(MIN, `the notice must state ${label} (at least ${MIN} characters)`)
    .max(MAX, `${label} must be at most ${MAX} characters`);
}

export const breachNoticeSchema = z.strictObject({
  nature: element('nature'),
  impact: element('impact'),
  mitigation: element('mitigation'),
  contact: element('contact').refine(isReachableContact, 'the point of contact must include an email address or a phone number'),
}) satisfies z.ZodType<BreachNotice>;
