// Prometheus Alertmanager webhook (payload version 4) -> an incident alert.
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../domain/incident';
import type { AlertRequest } from '../incidents/incident-service';
import type { AlertmanagerPolicy } from '../policy/schema';

const labels = z.record(z.string(), z.string());

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema).min(1),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

/** The most severe mapping among the group's alerts decides the incident's severity. */
function severityOf(payload: AlertmanagerPayload, policy: AlertmanagerPolicy): Severity {
  const mapped = payload.alerts.map((a) => {
    const label = (a.labels.severity ?? payload.commonLabels.severity ?? '').toLowerCase();
    return policy.severityMap[label] ?? policy.default;
  });
  return mapped.reduce((worst, s) => (SEVERITIES.indexOf(s) < SEVERITIES.indexOf(worst) ? s : worst), policy.default);
}

export function alertFromPayload(payload: AlertmanagerPayload, policy: AlertmanagerPolicy): AlertRequest {
  const name = payload.commonLabels.alertname ?? payload.groupLabels.alertname ?? payload.alerts[0]?.labels.alertname;
  const title = (payload.commonAnnotations.summary ?? name ?? 'Alertmanager alert').slice(0, 200);
  const lines = payload.alerts.slice(0, 20).map((a) => {
    const what = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? 'alert';
    const where = a.labels.instance ? ` on ${a.labels.instance}` : '';
    return `- [${a.status}] ${what}${where} (since ${a.startsAt})`;
  });
  const more = payload.alerts.length > 20 || payload.truncatedAlerts > 0 ? ['- (more alerts truncated)'] : [];
  return {
    groupKey: `${payload.receiver}/${payload.groupKey}`,
    status: payload.status,
    title,
    summary: [`Alertmanager group ${name ?? payload.groupKey} is ${payload.status}:`, ...lines, ...more].join('\n'),
    severity: severityOf(payload, policy),
  };
}
