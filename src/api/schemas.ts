// Request bodies of the HTTP API. Parsed at the edge; nothing unparsed goes further.
import { z } from 'zod';
import { SEVERITIES } from '../domain/incident';
import { INCIDENT_ID_PATTERN } from '../incidents/incident-id';

const text = (max: number) => z.string().trim().min(1).max(max);
const actor = text(200);

export const incidentIdParams = z.object({ id: z.string().regex(INCIDENT_ID_PATTERN, 'not an incident id') });
export const actionParams = incidentIdParams.extend({ actionId: z.string().regex(/^A\d+$/, 'not an action id') });

export const declareBody = z.strictObject({
  title: text(200),
  severity: z.enum(SEVERITIES),
  summary: z.string().max(5000).optional(),
  personalData: z.boolean().optional(),
  declaredBy: actor,
});

export const actorBody = z.strictObject({ actor });
export const triageBody = z.strictObject({ actor, severity: z.enum(SEVERITIES).optional() });
export const severityBody = z.strictObject({ actor, severity: z.enum(SEVERITIES), reason: z.string().max(500).optional() });
export const roleBody = z.strictObject({ actor, role: text(50), userId: text(200) });
export const textBody = z.strictObject({ actor, text: text(3000) });
export const noteBody = z.strictObject({ actor, note: z.string().max(3000).optional() });
export const postmortemBody = z.strictObject({ actor, document: text(100_000) });
export const actionBody = z.strictObject({ actor, title: text(500), owner: z.string().max(200).optional() });
export const listQuery = z.object({ status: z.enum(['open', 'all']).default('open') });
