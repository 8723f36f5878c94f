// The four elements the contract requires in every breach notice, and the rule
// for when one counts as stated. Runs inside the workflow sandbox too, so it is
// plain TypeScript: no zod, no Node builtins, no clock. notice-schema.ts builds
// the API's zod schema from the same constants, so both always agree.
import type { BreachNotice } from '../domain/breach';

/** Shorter than this after trimming is a placeholder ("tbd", "n/a"), not a statement. */
export const NOTICE_ELEMENT_MIN_LENGTH = 10;
/** Long enough for a careful paragraph or three; anything longer belongs in a linked page. */
export const NOTICE_ELEMENT_MAX_LENGTH = 5000;

export interface NoticeElement {
  field: keyof BreachNotice;
  /** Reads after "the notice must state …". */
  label: string;
  /** The heading of the element's section in the notice itself. */
  heading: string;
}

export const NOTICE_ELEMENTS: readonly NoticeElement[] = [
  { field: 'nature', label: 'the nature of the breach', heading: 'Nature of the breach' },
  { field: 'impact', label: 'the likely impact', heading: 'Likely impact' },
  { field: 'mitigation', label: 'the mitigation steps taken or planned', heading: 'Mitigation steps taken or planned' },
  { field: 'contact', label: 'a point of contact', heading: 'Point of contact' },
];

/** What missingNoticeElements reports for a contact nobody could reach. */
export const UNREACHABLE_CONTACT_LABEL = 'a point of contact with an email address or a phone number';

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// A run of digits with the usual separators; counted below, since a bare regex
// cannot say "7 to 15 digits" (E.164 allows at most 15) across separators.
const PHONE_CANDIDATE = /\+?\(?\d[\d\s()./-]{4,}\d/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function containsEmailAddress(text: string): boolean {
  return EMAIL_IN_TEXT.test(text);
}

export function containsPhoneNumber(text: string): boolean {
  for (const match of text.matchAll(PHONE_CANDIDATE)) {
    const candidate = match[0].trim();
    const digits = candidate.replace(/\D/g, '').length;
    if (digits >= 7 && digits <= 15 && !ISO_DATE.test(candidate)) return true;
  }
  return false;
}

/** The contact can actually be reached: it names an email address or a phone number. */
export function isReachableContact(text: string): boolean {
  return containsEmailAddress(text) || containsPhoneNumber(text);
}

/**
 * The required elements the notice does not (yet) state, as plain words that read
 * after "the notice must state …"; empty when the notice is complete. Tolerates
 * anything at run time (a notice arrives as JSON), not only the declared type.
 */
export function missingNoticeElements(notice: Partial<BreachNotice>): string[] {
  const missing: string[] = [];
  for (const { field, label } of NOTICE_ELEMENTS) {
    const value: unknown = notice[field];
    const text = typeof value === 'string' ? value.trim() : '';
    if (text.length < NOTICE_ELEMENT_MIN_LENGTH) missing.push(label);
    else if (field === 'contact' && !isReachableContact(text)) missing.push(UNREACHABLE_CONTACT_LABEL);
  }
  return missing;
}
