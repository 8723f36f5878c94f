// Breach routes: suspect and verify on the incident, then customers, notice,
// approval, corrections and the authority clock on the breach.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FIRST_PAGE, MAX_PAGE_LIMIT } from '../breach/customer-lists';
import { breachNoticeSchema } from '../breach/notice-schema';
import type { BreachService } from '../breach/breach-service';
import { CsvError, parseCustomersCsv } from '../breach/customers-csv';
import { affectedCustomersSchema } from '../breach/customers-schema';
import type { IncidentService } from '../incidents/incident-service';
import { INCIDENT_ID_PATTERN } from '../incidents/incident-id';
import { actorBody, incidentIdParams } from './schemas';

const breachParams = z.object({ id: z.string().regex(new RegExp(`${INCIDENT_ID_PATTERN.source.slice(0, -1)}-breach$`), 'not a breach id') });
const actor = z.string().trim().min(1).max(200);
const customersBody = z.strictObject({ actor, customers: affectedCustomersSchema });
const noticeBody = z.strictObject({ actor, notice: breachNoticeSchema });
const changesBody = z.strictObject({ actor, comment: z.string().trim().min(1).max(3000) });
const correctBody = z.strictObject({ actor, customerId: z.string().regex(/^C\d+$/), email: z.string().min(1), newEmail: z.email('not an email address') });
const authorityBody = z.strictObject({ actor, reference: z.string().trim().min(1).max(200) });

/** A breach of 50,000 contacts is read a page at a time. */
const breachQuery = z.object({
  offset: z.coerce.number().int().min(0).default(FIRST_PAGE.offset),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(FIRST_PAGE.limit),
  status: z.enum(['pending', 'sent', 'rejected', 'replaced']).optional(),
});

type Parse = <S extends z.ZodType>(schema: S, value: unknown) => z.output<S>;

export function registerBreachRoutes(api: FastifyInstance, deps: { incidents: IncidentService; breaches: BreachService; parse: Parse }) {
  const { incidents, breaches, parse } = deps;

  api.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 5_242_880 }, (_req, body, done) => done(null, body));

  api.post('/incidents/:id/breach/suspect', async (req) =>
    incidents.suspectBreach(parse(incidentIdParams, req.params).id, parse(actorBody, req.body)),
  );
  api.post('/incidents/:id/breach/verify', async (req) =>
    incidents.verifyBreach(parse(incidentIdParams, req.params).id, parse(actorBody, req.body)),
  );

  api.get('/breaches/:id', async (req) => {
    const { offset, limit, status } = parse(breachQuery, req.query);
    return breaches.get(parse(breachParams, req.params).id, { page: { offset, limit }, ...(status ? { status } : {}) });
  });

  api.put('/breaches/:id/customers', async (req, reply) => {
    const { id } = parse(breachParams, req.params);
    if (typeof req.body === 'string') {
      const { actor: who } = parse(z.object({ actor }), req.query);
      let customers;
      try {
        customers = parseCustomersCsv(req.body);
      } catch (err) {
        if (err instanceof CsvError) return reply.status(400).send({ error: `invalid CSV: ${err.message}` });
        throw err;
      }
      const checked = parse(customersBody, { actor: who, customers });
      return breaches.setCustomers(id, checked);
    }
    return breaches.setCustomers(id, parse(customersBody, req.body));
  });
  api.put('/breaches/:id/notice', async (req) => breaches.setNotice(parse(breachParams, req.params).id, parse(noticeBody, req.body)));
  api.post('/breaches/:id/approve', async (req) => breaches.approve(parse(breachParams, req.params).id, parse(actorBody, req.body)));
  api.post('/breaches/:id/request-changes', async (req) =>
    breaches.requestChanges(parse(breachParams, req.params).id, parse(changesBody, req.body)),
  );
  api.post('/breaches/:id/contacts/correct', async (req) =>
    breaches.correctContact(parse(breachParams, req.params).id, parse(correctBody, req.body)),
  );
  api.post('/breaches/:id/authority-notified', async (req) =>
    breaches.authorityNotified(parse(breachParams, req.params).id, parse(authorityBody, req.body)),
  );
}
