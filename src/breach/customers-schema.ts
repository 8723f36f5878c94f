// Affected customers as they enter Rampart (API body, CSV upload, Slack modal).
import { z } from 'zod';

export const affectedCustomersSchema = z
  .array(
    z.strictObject({
      name: z.string().trim().min(1).max(200),
      contacts: z.array(z.email('not an email address')).min(1),
      dataAffected: z.string().trim().min(1).max(2000),
    }),
  )
  .min(1, 'at least one affected customer is required');

/** "row 3 (Acme GmbH): not an email address" style messages for people. */
export function describeCustomerIssues(error: z.ZodError, customers: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const [index, field] = issue.path;
      const name = typeof index === 'number' ? (customers as { name?: unknown }[])[index]?.name : undefined;
      const where = typeof index === 'number' ? `customer ${index + 1}${typeof name === 'string' && name ? ` (${name})` : ''}` : 'the list';
      const what = field === 'contacts' ? 'contact' : field === 'dataAffected' ? 'data affected' : field === 'name' ? 'name' : '';
      return `${where}${what ? `, ${what}` : ''}: ${issue.message}`;
    })
    .join('; ');
}

/** The recorded customers as CSV again, so they can be edited where they were entered. */
export function customersToCsv(customers: readonly { name: string; contacts: readonly string[]; dataAffected: string }[]): string {
  const cell = (raw: string) => {
    const v = raw.replace(/\s*\r?\n\s*/g, ' '); // the parser reads one row per line
    return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const rows = customers.flatMap((c) => c.contacts.map((email) => [c.name, email, c.dataAffected].map(cell).join(',')));
  return ['customer,email,data_affected', ...rows].join('\n');
}
