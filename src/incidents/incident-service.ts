// The incident operations every way in (HTTP API, alert webhook, Slack) calls.
// It starts and talks to incident workflows; the workflow decides, this maps
// its answers to errors callers can show.
import { createHash } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WithStartWorkflowOperation,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { executeUpdate } from '../temporal/updates';
import type { Db } from '../db/client';
import type { IncidentState, IncidentStatus, Severity } from '../domain/incident';
import type { IncidentWorkflowPolicy } from '../policy/schema';
import { incidentWorkflow } from '../workflows/incident/incident-workflow';
import * as msg from '../workflows/incident/messages';
import { IncidentActionRejectedError, IncidentNotFoundError } from './errors';
import { newIncidentId } from './incident-id';

export interface IncidentServiceDeps {
  client: Client;
  db: Db;
  /** Read per call so a policy change applies to incidents declared after it. */
  incidentPolicy: () => IncidentWorkflowPolicy;
  taskQueue: string;
}

export interface DeclareRequest {
  title: string;
  severity: Severity;
  summary?: string;
  personalData?: boolean;
  declaredBy: string;
}

export interface AlertRequest {
  groupKey: string;
  status: 'firing' | 'resolved';
  title: string;
  summary: string;
  severity: Severity;
}

export type AlertOutcome =
  | { outcome: 'declared'; incidentId: string }
  | { outcome: 'deduplicated'; incidentId: string }
  | { outcome: 'ignored'; reason: string };

export class IncidentService {
  constructor(private readonly deps: IncidentServiceDeps) {}

  async declare(request: DeclareRequest, extra: Partial<msg.DeclareIncidentInput> = {}): Promise<IncidentState> {
    for (let attempt = 0; ; attempt += 1) {
      const input: msg.DeclareIncidentInput = { id: newIncidentId(), ...request, ...extra };
      try {
        // Start and wait for the declaration to be recorded, in one call.
        return await this.deps.client.workflow.executeUpdateWithStart(msg.declarationUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation(incidentWorkflow, {
            workflowId: input.id,
            taskQueue: this.deps.taskQueue,
            args: [input, this.deps.incidentPolicy()],
            workflowIdConflictPolicy: 'FAIL',
          }),
        });
      } catch (err) {
        // A random id collided with an existing incident: draw another.
        if (err instanceof WorkflowExecutionAlreadyStartedError && attempt < 3) continue;
        throw err;
      }
    }
  }

  /**
   * An alert opens an incident, or joins the open incident of the same alert
   * group. A transaction-scoped advisory lock serialises concurrent webhooks for
   * one group, and the incident row is written before the lock is released.
   */
  async receiveAlert(alert: AlertRequest): Promise<AlertOutcome> {
    const dedupKey = `alertmanager:${createHash('sha256').update(alert.groupKey).digest('hex').slice(0, 32)}`;
    return this.deps.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${dedupKey}))::text`;
        const open = await tx.incident.findFirst({
          where: { dedupKey, status: { not: 'CLOSED' } },
          select: { id: true },
        });
        if (open) {
          await this.deps.client.workflow
            .getHandle(open.id)
            .signal(msg.alertSignal, { status: alert.status, summary: alert.summary });
          return { outcome: 'deduplicated', incidentId: open.id };
        }
        if (alert.status === 'resolved') return { outcome: 'ignored', reason: 'no open incident for this alert group' };
        const id = newIncidentId();
        const declaredAt = new Date();
        await tx.incident.create({
          data: {
            id,
            title: alert.title,
            summary: alert.summary,
            severity: alert.severity,
            source: 'alertmanager',
            dedupKey,
            declaredBy: 'alertmanager',
            declaredAt,
          },
        });
        await this.deps.client.workflow.start(incidentWorkflow, {
          workflowId: id,
          taskQueue: this.deps.taskQueue,
          args: [
            {
              id,
              title: alert.title,
              summary: alert.summary,
              severity: alert.severity,
              declaredBy: 'alertmanager',
              source: 'alertmanager',
              dedupKey,
            },
            this.deps.incidentPolicy(),
          ],
        });
        return { outcome: 'declared', incidentId: id };
      },
      { timeout: 15_000 },
    );
  }

  acknowledge(id: string, args: msg.Actor) {
    return this.update(id, msg.acknowledgeUpdate, args);
  }
  triage(id: string, args: msg.Actor & { severity?: Severity }) {
    return this.update(id, msg.triageUpdate, args);
  }
  setSeverity(id: string, args: msg.Actor & { severity: Severity; reason?: string }) {
    return this.update(id, msg.setSeverityUpdate, args);
  }
  assignRole(id: string, args: msg.Actor & { role: string; userId: string }) {
    return this.update(id, msg.assignRoleUpdate, args);
  }
  postStatus(id: string, args: msg.Actor & { text: string }) {
    return this.update(id, msg.postStatusUpdate, args);
  }
  mitigate(id: string, args: msg.Actor & { note?: string }) {
    return this.update(id, msg.mitigateUpdate, args);
  }
  resolve(id: string, args: msg.Actor & { note?: string }) {
    return this.update(id, msg.resolveUpdate, args);
  }
  startPostmortem(id: string, args: msg.Actor) {
    return this.update(id, msg.startPostmortemUpdate, args);
  }
  completePostmortem(id: string, args: msg.Actor & { document: string }) {
    return this.update(id, msg.completePostmortemUpdate, args);
  }
  addAction(id: string, args: msg.Actor & { title: string; owner?: string }) {
    return this.update(id, msg.addActionUpdate, args);
  }
  completeAction(id: string, args: msg.Actor & { actionId: string }) {
    return this.update(id, msg.completeActionUpdate, args);
  }
  close(id: string, args: msg.Actor) {
    return this.update(id, msg.closeUpdate, args);
  }
  suspectBreach(id: string, args: msg.Actor) {
    return this.update(id, msg.suspectBreachUpdate, args);
  }
  verifyBreach(id: string, args: msg.Actor) {
    return this.update(id, msg.verifyBreachUpdate, args);
  }

  async addNote(id: string, args: msg.Actor & { text: string; key?: string }): Promise<void> {
    try {
      await this.deps.client.workflow.getHandle(id).signal(msg.addNoteSignal, args);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) await this.ensureOpen(id);
      throw err;
    }
  }

  /** Live state from the workflow; for incidents no longer in Temporal, the stored record. */
  async get(id: string): Promise<IncidentState> {
    try {
      return await this.deps.client.workflow.getHandle(id).query(msg.stateQuery);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const row = await this.deps.db.incident.findUnique({ where: { id }, include: { roles: true } });
    if (!row) throw new IncidentNotFoundError(`no incident ${id}`);
    return stateFromRecord(row);
  }

  async timeline(id: string) {
    const entries = await this.deps.db.timelineEntry.findMany({
      where: { incidentId: id },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      select: { kind: true, actor: true, text: true, occurredAt: true },
    });
    if (entries.length === 0 && !(await this.deps.db.incident.findUnique({ where: { id }, select: { id: true } }))) {
      throw new IncidentNotFoundError(`no incident ${id}`);
    }
    return entries;
  }

  async list(filter: { open?: boolean } = {}) {
    const openStatuses: IncidentStatus[] = ['DECLARED', 'TRIAGED', 'MITIGATED', 'RESOLVED', 'POSTMORTEM'];
    return this.deps.db.incident.findMany({
      where: filter.open ? { status: { in: openStatuses } } : {},
      orderBy: { declaredAt: 'desc' },
      take: 200,
      include: { roles: true },
    });
  }

  private async update<A extends msg.Actor>(
    id: string,
    definition: UpdateDefinition<IncidentState, [A]>,
    args: A,
  ): Promise<IncidentState> {
    try {
      return await executeUpdate(this.deps.client, id, definition, args);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) await this.ensureOpen(id);
      throw err;
    }
  }

  /** Explains why a workflow could not be reached: unknown, or already closed. */
  private async ensureOpen(id: string): Promise<void> {
    const row = await this.deps.db.incident.findUnique({ where: { id }, select: { status: true } });
    if (!row) throw new IncidentNotFoundError(`no incident ${id}`);
    if (row.status === 'CLOSED') throw new IncidentActionRejectedError(`incident ${id} is closed`);
  }
}

type IncidentRow = NonNullable<Awaited<ReturnType<Db['incident']['findUnique']>>> & {
  roles: { role: string; userId: string }[];
};

function stateFromRecord(row: IncidentRow): IncidentState {
  const iso = (d: Date | null) => d?.toISOString();
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    severity: row.severity,
    status: row.status,
    personalData: row.personalData,
    declaredBy: row.declaredBy,
    source: row.source,
    dedupKey: row.dedupKey ?? undefined,
    roles: Object.fromEntries(row.roles.map((r) => [r.role, r.userId])),
    declaredAt: row.declaredAt.toISOString(),
    acknowledgedAt: iso(row.acknowledgedAt),
    triagedAt: iso(row.triagedAt),
    mitigatedAt: iso(row.mitigatedAt),
    resolvedAt: iso(row.resolvedAt),
    postmortemAt: iso(row.postmortemAt),
    closedAt: iso(row.closedAt),
    escalations: 0,
    statusReminders: 0,
    postmortemReminders: 0,
    actions: [],
    eventCount: 0,
  };
}
