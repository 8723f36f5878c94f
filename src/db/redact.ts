/** A connection URL safe to log: the password (if any) is replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parseable, so we cannot tell where a secret might be: log nothing of it.
    return '<unparseable database url>';
  }
}
