// Mail errors quote addresses ("550 <ann@example.com>: no such user"). What goes
// to logs or into thrown errors (which the worker logs) has them masked.
const EMAIL_ADDRESS = /[^\s<>()[\]@"',;:]+@[^\s<>()[\]@"',;:]+/g;

export function redactEmailAddresses(text: string): string {
  return text.replace(EMAIL_ADDRESS, '[address]');
}
