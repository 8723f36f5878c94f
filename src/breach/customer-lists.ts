// Affected-customer lists of v2 breaches in PostgreSQL: each upload is a
// revision (its customers and contacts); the workflow gets only the revision's
// id, counts and content hash. Also reads them back, with each delivery, for
// the API and Slack.
import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import type { AffectedCustomer, NoticeDelivery } from '../domain/breach';
import { IncidentActionRejectedError } from '../incidents/errors';
import { redactEmailAddresses } from '../mail/redact';
import type { CustomerInput } from '../workflows/breach/messages';
import type { CustomerListRef } from '../workflows/breach/state-v2';

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const CHUNK = 5_000;

function refuse(message: string): never {
  throw new IncidentActionRejectedError(message);
}

/** The same rules and words as the v1 workflow's check; numbers the customers C1, C2... */
export function normaliseCustomers(customers: CustomerInput[]): AffectedCustomer[] {
  if (!Array.isArray(customers) || customers.length === 0) refuse('at least one affected customer is required');
  const seen = new Set<string>();
  customers.forEach((c, i) => {
    const where = `customer ${i + 1}`;
    if (!c || typeof c.name !== 'string' || c.name.trim() === '') refuse(`${where} has no name`);
    if (typeof c.dataAffected !== 'string' || c.dataAffected.trim() === '') refuse(`${where} (${c.name}) does not say what data was affected`);
    if (!Array.isArray(c.contacts) || c.contacts.length === 0) refuse(`${where} (${c.name}) has no contact email`);
    for (const raw of c.contacts) {
      const email = String(raw).trim().toLowerCase();
      if (!EMAIL.test(email)) refuse(`"${raw}" (${c.name}) is not an email address`);
      if (seen.has(email)) refuse(`${email} is listed twice`);
      seen.add(email);
    }
  });
  return customers.map((c, i) => ({
    id: `C${i + 1}`,
    name: c.name.trim(),
    contacts: c.contacts.map((e) => e.trim().toLowerCase()),
    dataAffected: c.dataAffected.trim(),
  }));
}

export async function storeCustomerList(db: Db, breachId: string, actor: string, customers: AffectedCustomer[]): Promise<CustomerListRef> {
  const sha256 = createHash('sha256').update(JSON.stringify(customers)).digest('hex');
  const contacts = customers.reduce((n, c) => n + c.contacts.length, 0);
  return db.$transaction(
    async (tx) => {
      const revision = await tx.breachCustomerRevision.create({ data: { breachId, customers: customers.length, contacts, sha256, createdBy: actor } });
      const rows = customers.map((c, i) => ({
        revisionId: revision.id,
        customerId: c.id,
        position: i,
        name: c.name,
        contacts: c.contacts,
        dataAffected: c.dataAffected,
      }));
      for (let i = 0; i < rows.length; i += CHUNK) await tx.breachCustomer.createMany({ data: rows.slice(i, i + CHUNK) });
      return { revision: revision.id, customers: customers.length, contacts, sha256 };
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
}

/** A window on a long list: `limit` items from `offset`. */
export interface ListPage {
  offset: number;
  limit: number;
}
export const FIRST_PAGE: ListPage = { offset: 0, limit: 100 };
/** The most items one read returns: a breach of 50,000 contacts is read a page at a time. */
export const MAX_PAGE_LIMIT = 1_000;

export async function readCustomers(db: Db, revision: number | undefined, page: ListPage = FIRST_PAGE): Promise<{ items: AffectedCustomer[]; total: number }> {
  if (revision === undefined) return { items: [], total: 0 };
  const [rows, total] = await Promise.all([
    db.breachCustomer.findMany({ where: { revisionId: revision }, orderBy: { position: 'asc' }, skip: page.offset, take: page.limit }),
    db.breachCustomer.count({ where: { revisionId: revision } }),
  ]);
  return { items: rows.map((r) => ({ id: r.customerId, name: r.name, contacts: r.contacts, dataAffected: r.dataAffected })), total };
}

/** A page of the breach's deliveries in the order opened (corrections last), as v1's state listed them. */
export async function readDeliveries(
  db: Db,
  breachId: string,
  page: ListPage = FIRST_PAGE,
  status?: NoticeDelivery['status'],
): Promise<{ items: NoticeDelivery[]; total: number }> {
  // `sending` is pending to people (an attempt holds it).
  const where = { breachId, ...(status ? { status: status === 'pending' ? { in: ['pending', 'sending'] } : status } : {}) };
  const [rows, total] = await Promise.all([
    db.breachDelivery.findMany({ where, orderBy: [{ seq: 'asc' }, { createdAt: 'asc' }, { key: 'asc' }], skip: page.offset, take: page.limit }),
    db.breachDelivery.count({ where }),
  ]);
  const items = rows.map((r) => ({
    key: r.key,
    customerId: r.customerId,
    email: r.email,
    // `sending`: an attempt holds it; to people it is still pending.
    status: (r.status === 'sending' ? 'pending' : r.status) as NoticeDelivery['status'],
    ...(r.messageId ? { messageId: r.messageId } : {}),
    ...(r.smtpResponse ? { smtpResponse: r.smtpResponse } : {}),
    ...(r.sentAt ? { sentAt: r.sentAt.toISOString() } : {}),
    ...(r.error && r.status !== 'sent' ? { error: redactEmailAddresses(r.error) } : {}),
    ...(r.status === 'sent' ? { late: r.late ?? false } : {}),
  }));
  return { items, total };
}
