// One recipient address, checked before any SMTP conversation: a malformed one is
// a final rejection for this contact, never a reason to retry.
import { z } from 'zod';

const recipientSchema = z.email();

/** The address trimmed, or undefined when it is not a single valid email address. */
export function parseRecipient(value: unknown): string | undefined {
  const parsed = recipientSchema.safeParse(typeof value === 'string' ? value.trim() : value);
  return parsed.success ? parsed.data : undefined;
}
