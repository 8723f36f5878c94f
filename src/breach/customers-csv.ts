// Affected customers from CSV: one row per contact, `customer,email,data_affected`
// (a header row is required; rows of the same customer are merged).
import type { CustomerInput } from '../workflows/breach/messages';

export class CsvError extends Error {}

function splitLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new CsvError('a quoted cell is not closed');
  cells.push(cell);
  return cells.map((c) => c.trim());
}

export function parseCustomersCsv(text: string): CustomerInput[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const [header, ...rows] = lines;
  if (!header) throw new CsvError('the CSV is empty');
  const columns = splitLine(header).map((h) => h.toLowerCase());
  const at = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new CsvError(`the CSV needs a "${name}" column (columns: customer, email, data_affected)`);
    return index;
  };
  const [customerCol, emailCol, dataCol] = [at('customer'), at('email'), at('data_affected')];
  const byName = new Map<string, CustomerInput>();
  rows.forEach((line, i) => {
    const cells = splitLine(line);
    const name = cells[customerCol] ?? '';
    const email = cells[emailCol] ?? '';
    const data = cells[dataCol] ?? '';
    if (!name || !email) throw new CsvError(`row ${i + 2}: customer and email are required`);
    const customer = byName.get(name) ?? { name, contacts: [], dataAffected: data };
    customer.contacts.push(email);
    if (data && !customer.dataAffected.includes(data)) customer.dataAffected = customer.dataAffected ? `${customer.dataAffected}; ${data}` : data;
    byName.set(name, customer);
  });
  return [...byName.values()];
}
