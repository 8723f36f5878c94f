// The customers CSV as spreadsheets write it (RFC 4180): quoted commas, quotes
// and line breaks, a byte-order mark, CRLF; rows of one customer merged; every
// mistake named with where it is. Parsed by csv-parse in one pass (its speed is
// the benchmark's: npm run bench:csv).
import { CsvError, parseCustomersCsv } from '../../src/breach/customers-csv';

test('reads what spreadsheets write: BOM, CRLF, quoted commas, doubled quotes and line breaks inside quotes', () => {
  const csv =
    '\uFEFFCustomer,Email,Data_Affected\r\n' +
    '"Globex, Inc.",privacy@globex.example,"names, ""billing"" addresses"\r\n' +
    'Acme GmbH,it@acme.example,"invoices\nand contracts"\r\n' +
    '\r\n' +
    'Acme GmbH,ceo@acme.example,invoices\r\n';
  expect(parseCustomersCsv(csv)).toEqual([
    { name: 'Globex, Inc.', contacts: ['privacy@globex.example'], dataAffected: 'names, "billing" addresses' },
    { name: 'Acme GmbH', contacts: ['it@acme.example', 'ceo@acme.example'], dataAffected: 'invoices\nand contracts; invoices' },
  ]);
});

test('merges the rows of a customer, each kind of data named once, columns in any order', () => {
  const csv = 'email,data_affected,customer\na@x.example,names,X\nb@x.example,names,X\nc@x.example,emails,X\n';
  expect(parseCustomersCsv(csv)).toEqual([{ name: 'X', contacts: ['a@x.example', 'b@x.example', 'c@x.example'], dataAffected: 'names; emails' }]);
});

test('names each mistake: no rows, a missing column, a row without email, an unclosed or stray quote', () => {
  const error = (csv: string) => {
    try {
      parseCustomersCsv(csv);
    } catch (err) {
      if (err instanceof CsvError) return err.message;
      throw err;
    }
    throw new Error('accepted');
  };
  expect(error('')).toBe('the CSV is empty');
  expect(error('name,mail\nAcme,a@acme.example')).toBe('the CSV needs a "customer" column (columns: customer, email, data_affected)');
  expect(error('customer,email,data_affected\nAcme,a@acme.example,x\nAcme,,x\n')).toBe('row 3: customer and email are required');
  expect(error('customer,email,data_affected\nAcme,a@acme.example,"x\n')).toMatch(/^a quoted cell is not closed \(line \d+\)$/);
  expect(error('customer,email,data_affected\nAc"me,a@acme.example,x\n')).toMatch(/^a quote in the middle of a cell; put the whole cell in quotes and double the quote inside \(""\)/);
});

test('a 5 MB list of 90,000 rows is read whole, every contact kept', () => {
  const rows = ['customer,email,data_affected'];
  for (let i = 0; i < 90_000; i += 1) rows.push(`"Customer ${i % 30_000}, Ltd",c${i}@x${i % 30_000}.example,"names, billing addresses, invoice amounts"`);
  const csv = rows.join('\r\n');
  expect(csv.length).toBeGreaterThan(5_000_000);
  const customers = parseCustomersCsv(csv);
  expect(customers).toHaveLength(30_000);
  expect(customers.reduce((n, c) => n + c.contacts.length, 0)).toBe(90_000);
  expect(customers[1]).toEqual({ name: 'Customer 1, Ltd', contacts: ['c1@x1.example', 'c30001@x1.example', 'c60001@x1.example'], dataAffected: 'names, billing addresses, invoice amounts' });
});
