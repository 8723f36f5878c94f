// The HTTP API: declare, update, resolve and read incidents; the Alertmanager
// webhook; health. Every body is parsed with zod; errors are plain 4xx JSON.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditChainReport } from '../db/audit-chain';
import { IncidentActionRejectedError, IncidentNotFoundError } from '../incidents/errors';
import type { IncidentService } from '../incidents/incident-service';
import type { AlertmanagerPolicy } from '../policy/schema';
import { alertFromPayload, alertmanagerPayloadSchema } from './alertmanager';
import * as body from './schemas';
import type { BreachService } from '../breach/breach-service';
import { registerBreachRoutes } from './breach-routes';
import { withIdempotencyKey } from '../temporal/idempotency';

export interface ApiDeps {
  incidents: IncidentService;
  breaches: BreachService;
  alertmanagerPolicy: () => AlertmanagerPolicy;
  /** Returns problems found; empty when healthy. */
  health: () => Promise<Record<string, 'ok' | string>>;
  /** The audit log's hash-chain check (GET /audit/verify). */
  verifyAudit: () => Promise<AuditChainReport>;
  apiToken?: string;
  alertmanagerToken?: string;
  logger?: boolean;
}

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key: 1 to 200 printable characters, no spaces')
    .optional(),
});

class BadRequest extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super('invalid request');
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new BadRequest(result.error.issues);
  return result.data;
}

function tokenMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** The largest JSON body (a postmortem document is at most 100 KB); CSV uploads have their own (breach-routes). */
const JSON_BODY_LIMIT = 1_048_576;

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ? { redact: ['req.headers.authorization'] } : false,
    bodyLimit: JSON_BODY_LIMIT,
  });
  const { incidents } = deps;

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof BadRequest) {
      return reply.status(400).send({
        error: 'invalid request',
        issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const csv = String(req.headers['content-type'] ?? '').startsWith('text/csv');
      return reply.status(413).send({ error: `the request body is too large: at most ${csv ? '5 MiB for a CSV' : '1 MiB for JSON'}` });
    }
    if (err instanceof IncidentNotFoundError) return reply.status(404).send({ error: err.message });
    if (err instanceof IncidentActionRejectedError) return reply.status(409).send({ error: err.message });
    if (err.statusCode && err.statusCode < 500) return reply.status(err.statusCode).send({ error: err.message });
    reply.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'internal error' });
  });

  const guard = (token: string | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (token && !tokenMatches(req.headers.authorization, token)) {
      await reply.status(401).send({ error: 'missing or wrong bearer token' });
    }
  };

  app.get('/healthz', async (_req, reply) => {
    const checks = await deps.health();
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks });
  });

  app.register(async (api) => {
    api.addHook('onRequest', guard(deps.apiToken));
    // A change sent again with the same Idempotency-Key is applied once (the
    // handler runs inside the key's context; see temporal/idempotency.ts).
    api.addHook('preHandler', (req, _reply, done) => {
      const header = idempotencyHeader.safeParse(req.headers);
      if (!header.success) return done(new BadRequest(header.error.issues));
      withIdempotencyKey(header.data['idempotency-key'], () => done());
    });

    api.get('/audit/verify', async (_req, reply) => {
      const report = await deps.verifyAudit();
      return reply.status(report.ok ? 200 : 409).send(report);
    });

    api.post('/incidents', async (req, reply) => {
      const state = await incidents.declare(parse(body.declareBody, req.body));
      return reply.status(201).header('location', `/incidents/${state.id}`).send(state);
    });
    api.get('/incidents', async (req) => {
      const { status } = parse(body.listQuery, req.query);
      return { incidents: await incidents.list({ open: status === 'open' }) };
    });
    api.get('/incidents/:id', async (req) => incidents.get(parse(body.incidentIdParams, req.params).id));
    api.get('/incidents/:id/timeline', async (req) => ({
      timeline: await incidents.timeline(parse(body.incidentIdParams, req.params).id),
    }));

    // One route per workflow update; each answers with the incident's new state.
    const actions: [string, z.ZodType, (id: string, args: never) => Promise<unknown>][] = [
      ['acknowledge', body.actorBody, (id, a) => incidents.acknowledge(id, a)],
      ['triage', body.triageBody, (id, a) => incidents.triage(id, a)],
      ['severity', body.severityBody, (id, a) => incidents.setSeverity(id, a)],
      ['roles', body.roleBody, (id, a) => incidents.assignRole(id, a)],
      ['status-updates', body.textBody, (id, a) => incidents.postStatus(id, a)],
      ['mitigate', body.noteBody, (id, a) => incidents.mitigate(id, a)],
      ['resolve', body.noteBody, (id, a) => incidents.resolve(id, a)],
      ['postmortem/start', body.actorBody, (id, a) => incidents.startPostmortem(id, a)],
      ['postmortem/complete', body.postmortemBody, (id, a) => incidents.completePostmortem(id, a)],
      ['actions', body.actionBody, (id, a) => incidents.addAction(id, a)],
      ['close', body.actorBody, (id, a) => incidents.close(id, a)],
    ];
    for (const [path, schema, run] of actions) {
      api.post(`/incidents/:id/${path}`, async (req) => {
        const { id } = parse(body.incidentIdParams, req.params);
        return run(id, parse(schema, req.body) as never);
      });
    }
    api.post('/incidents/:id/actions/:actionId/done', async (req) => {
      const { id, actionId } = parse(body.actionParams, req.params);
      return incidents.completeAction(id, { ...parse(body.actorBody, req.body), actionId });
    });
    registerBreachRoutes(api, { incidents, breaches: deps.breaches, parse });
    api.post('/incidents/:id/notes', async (req, reply) => {
      const { id } = parse(body.incidentIdParams, req.params);
      await incidents.addNote(id, parse(body.textBody, req.body));
      return reply.status(202).send({ accepted: true });
    });
  });

  app.register(async (hooks) => {
    hooks.addHook('onRequest', guard(deps.alertmanagerToken));
    hooks.post('/webhooks/alertmanager', async (req, reply) => {
      const payload = parse(alertmanagerPayloadSchema, req.body);
      const outcome = await incidents.receiveAlert(alertFromPayload(payload, deps.alertmanagerPolicy()));
      return reply.status(outcome.outcome === 'declared' ? 201 : 200).send(outcome);
    });
  });

  return app;
}
