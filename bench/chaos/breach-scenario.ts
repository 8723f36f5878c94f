// The breach of a chaos run, through the HTTP API as the README's curl steps
// do it: declare, suspect, verify (by the policy's officer), the customers as a
// CSV upload, the notice, and (when the run is ready for it) the approval.
import { callApi } from './api-client';
import { OFFICER } from './policy';

const SETUP_GIVE_UP_MS = 300_000;
const CONTACTS_PER_CUSTOMER = 2;

export const NOTICE = {
  nature: 'An unauthorised party accessed a reporting database between 20 and 21 November.',
  impact: 'Names and email addresses may be used for phishing; no passwords or payment data were exposed.',
  mitigation: 'We revoked the leaked credential, rotated all database keys and added alerting on bulk exports.',
  contact: 'Data Protection Officer: dpo@example.com or +44 20 7946 0958',
};

/** The contacts' addresses, two per customer, all on reserved example domains. */
export function contactAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `contact${i}@customer${Math.floor(i / CONTACTS_PER_CUSTOMER)}.example`);
}

function customersCsv(emails: readonly string[]): string {
  const rows = emails.map((email, i) => `Customer ${Math.floor(i / CONTACTS_PER_CUSTOMER) + 1} Ltd,${email},Contact names and business email addresses`);
  return ['customer,email,data_affected', ...rows].join('\n');
}

async function expectOk(what: string, answer: Promise<{ status: number; body: unknown }>): Promise<{ status: number; body: unknown }> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body).slice(0, 500)}`);
  return { status, body };
}

export async function declareIncident(apiUrl: string, title: string, severity: 'SEV1' | 'SEV2'): Promise<string> {
  const { body } = await expectOk(
    `declare ${title}`,
    callApi(apiUrl, { method: 'POST', path: '/incidents', json: { title, severity, declaredBy: 'alice' }, giveUpAfterMs: SETUP_GIVE_UP_MS }),
  );
  return (body as { id: string }).id;
}

/** Declares the breach's incident and takes it up to an approvable notice; returns the ids. */
export async function prepareBreach(apiUrl: string, emails: readonly string[]): Promise<{ incidentId: string; breachId: string }> {
  const incidentId = await declareIncident(apiUrl, 'Customer database exposed', 'SEV1');
  const post = (path: string, json: unknown, retryOn?: number[]) =>
    expectOk(path, callApi(apiUrl, { method: 'POST', path, json, giveUpAfterMs: SETUP_GIVE_UP_MS, retryOn }));
  await post(`/incidents/${incidentId}/breach/suspect`, { actor: 'alice' });
  await post(`/incidents/${incidentId}/breach/verify`, { actor: OFFICER });
  const breachId = `${incidentId}-breach`;
  // The breach workflow is started by the incident's; until it runs, its routes answer 404.
  await expectOk(
    'customers',
    callApi(apiUrl, {
      method: 'PUT',
      path: `/breaches/${breachId}/customers?actor=alice`,
      csv: customersCsv(emails),
      giveUpAfterMs: SETUP_GIVE_UP_MS,
      retryOn: [404],
    }),
  );
  await expectOk(
    'notice',
    callApi(apiUrl, { method: 'PUT', path: `/breaches/${breachId}/notice`, json: { actor: 'alice', notice: NOTICE }, giveUpAfterMs: SETUP_GIVE_UP_MS }),
  );
  return { incidentId, breachId };
}

export async function approveBreach(apiUrl: string, breachId: string): Promise<void> {
  await expectOk(
    'approve',
    callApi(apiUrl, { method: 'POST', path: `/breaches/${breachId}/approve`, json: { actor: OFFICER }, giveUpAfterMs: SETUP_GIVE_UP_MS }),
  );
}
