import { randomBytes } from 'node:crypto';

const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** A short, readable, sortable-by-day id such as INC-20261122-k7m2. */
export function newIncidentId(at: Date = new Date()): string {
  const day = at.toISOString().slice(0, 10).replaceAll('-', '');
  const suffix = Array.from(randomBytes(4), (b) => ALPHABET[b % ALPHABET.length]).join('');
  return `INC-${day}-${suffix}`;
}

export const INCIDENT_ID_PATTERN = /^INC-\d{8}-[a-z0-9]{4,12}$/;
