// What officers type and upload in Slack for a breach: commands, the customer
// CSV (and its round trip back into the modal), and where an uploaded file may
// be fetched from with the bot token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customersFromCsv } from '../../src/bot/breach-commands';
import { parseIncidentCommand } from '../../src/bot/command-parser';
import { UserFacingError } from '../../src/bot/user-facing-error';
import { CsvError } from '../../src/breach/customers-csv';
import { customersToCsv } from '../../src/breach/customers-schema';
import { downloadSlackFile } from '../../src/slack/download-file';

describe('/incident breach …', () => {
  const breach = (text: string) => {
    const r = parseIncidentCommand(text);
    return r.ok && r.command.kind === 'breach' ? r.command.breach : r.ok ? r.command : r.error;
  };

  it('knows every step', () => {
    for (const action of ['verify', 'customers', 'notice', 'preview', 'approve', 'status']) expect(breach(`breach ${action}`)).toEqual({ action });
    expect(breach('breach suspect')).toEqual({ action: 'suspected' });
    expect(breach('breach authority ICO 2026/77')).toEqual({ action: 'authority', reference: 'ICO 2026/77' });
  });

  it('takes addresses as Slack sends them (mailto links)', () => {
    expect(breach('breach correct <mailto:old@acme.example|old@acme.example> new@acme.example')).toEqual({
      action: 'correct',
      email: 'old@acme.example',
      newEmail: 'new@acme.example',
    });
  });

  it('says how to use it when the words are wrong', () => {
    expect(breach('breach correct old@acme.example')).toContain('usage: /incident breach correct');
    expect(breach('breach authority')).toContain('usage: /incident breach authority');
    expect(breach('breach dance')).toContain('customers');
  });
});

describe('affected customers from CSV', () => {
  it('merges rows of one customer and survives its own round trip', () => {
    const customers = customersFromCsv('customer,email,data_affected\nAcme,a@acme.example,names\nAcme,b@acme.example,names\n"Globex, Inc.",p@globex.example,"invoices, ""Q3"""');
    expect(customers).toEqual([
      { name: 'Acme', contacts: ['a@acme.example', 'b@acme.example'], dataAffected: 'names' },
      { name: 'Globex, Inc.', contacts: ['p@globex.example'], dataAffected: 'invoices, "Q3"' },
    ]);
    expect(customersFromCsv(customersToCsv(customers))).toEqual(customers);
  });

  it('names the row and the field that is wrong', () => {
    expect(() => customersFromCsv('customer,email,data_affected\nAcme,a@acme.example,names\nGlobex,nope,names')).toThrow(/customer 2 \(Globex\), contact: not an email address/);
    expect(() => customersFromCsv('customer,email\nAcme,a@acme.example')).toThrow(CsvError);
  });
});

describe('downloadSlackFile', () => {
  const file = (url: string) => ({ id: 'F0ABC', name: 'affected.csv', size: 10, url_private_download: url });
  const opts = (origin: string) => ({ botToken: 'xoxb-secret', allowedOrigins: [origin], maxBytes: 1024, timeoutMs: 2000 });

  it('sends the token only to an allowed origin, and refuses a login page', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url?.includes('login')) res.writeHead(302, { location: '/signin', 'content-type': 'text/html' }).end();
      else res.writeHead(200, { 'content-type': 'text/csv' }).end('\uFEFFcustomer,email');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await downloadSlackFile(file(`${origin}/files-pri/T-F0ABC/download/affected.csv`), opts(origin))).toBe('customer,email');
      expect(seen).toEqual(['Bearer xoxb-secret']);
      await expect(downloadSlackFile(file(`${origin}/login`), opts(origin))).rejects.toThrow(/files:read/);
      await expect(downloadSlackFile(file(`${origin}/x.csv`), opts('https://files.slack.com'))).rejects.toThrow(UserFacingError);
      expect(seen).toHaveLength(2); // nothing sent to the origin that is not allowed
      await expect(downloadSlackFile({ ...file(`${origin}/x.csv`), size: 4096 }, opts(origin))).rejects.toThrow(/limit is 1 KiB/);
    } finally {
      server.close();
    }
  });
});
