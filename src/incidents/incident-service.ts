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
import { currentSignalKey } from '../temporal/idempotency';
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

/**
 * An incident id names one incident for ever: a closed (or failed) incident's
 * workflow is never run again under its id, so its history stays the only
 * record of it. ALLOW_DUPLICATE_FAILED_ONLY would start a failed incident from
 * scratch (a second "declared", new deadlines) instead of keeping it for an
 * operator to reset to its last good point, which keeps the id and the history.
 */
const INCIDENT_ID_REUSE_POLICY = 'REJECT_DUPLICATE' as const;

const alertIncidentColumns = { id: true, title: true, summary: true, severity: true, dedupKey: true } as const;
type AlertIncidentRow = { id: string; title: string; summary: string; severity: Severity; dedupKey: string | null };

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
            // A fresh random id: one already running or used before is a collision; draw another.
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: INCIDENT_ID_REUSE_POLICY,
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
   * group: exactly one incident per group however many deliveries race.
   *
   * Two steps, so no database lock is held while Temporal is called (a slow or
   * unreachable Temporal would otherwise hold a pooled connection and block
   * every delivery of the group behind it):
   * 1. claim: a short transaction under a transaction-scoped advisory lock per
   *    group finds the group's open incident or writes a new incident row, and
   *    commits. Only one delivery can write the row; the others find it.
   * 2. outside the transaction, the incident's workflow is started under the
   *    row's id with conflict policy USE_EXISTING: whichever delivery gets there
   *    first starts it (a repeat that finds the row before its workflow exists
   *    starts it from the row, then signals), the others join the same run.
   * A delivery that dies between the two steps leaves a row without a workflow;
   * the group's next delivery (Alertmanager retries a failed one) starts it.
   * Chosen over a workflow id derived from the group key and its generation:
   * ids keep their readable INC-date-suffix form, and the incident is in
   * PostgreSQL (GET /incidents) before Temporal is asked anything.
   */
  async receiveAlert(alert: AlertRequest): Promise<AlertOutcome> {
    const dedupKey = `alertmanager:${createHash('sha256').update(alert.groupKey).digest('hex').slice(0, 32)}`;
    const claim = await this.claimAlertGroup(alert, dedupKey);
    if (claim.outcome === 'ignored') return claim;
    if (claim.outcome === 'declared') {
      await this.startAlertIncident(claim.row);
      return { outcome: 'declared', incidentId: claim.row.id };
    }
    const handle = this.deps.client.workflow.getHandle(claim.row.id);
    const signal = () => handle.signal(msg.alertSignal, { status: alert.status, summary: alert.summary });
    try {
      await signal();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Claimed by a delivery that has not started the workflow yet (or died before it did).
      await this.startAlertIncident(claim.row);
      await signal();
    }
    return { outcome: 'deduplicated', incidentId: claim.row.id };
  }

  /** Step 1 of receiveAlert: the group's open incident row, or a new one; no Temporal call inside. */
  private claimAlertGroup(
    alert: AlertRequest,
    dedupKey: string,
  ): Promise<{ outcome: 'declared' | 'deduplicated'; row: AlertIncidentRow } | { outcome: 'ignored'; reason: string }> {
    return this.deps.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${dedupKey}))::text`;
        const open = await tx.incident.findFirst({ where: { dedupKey, status: { not: 'CLOSED' } }, select: alertIncidentColumns });
        if (open) return { outcome: 'deduplicated' as const, row: open };
        if (alert.status === 'resolved') return { outcome: 'ignored' as const, reason: 'no open incident for this alert group' };
        const row = await tx.incident.create({
          data: {
            id: newIncidentId(),
            title: alert.title,
            summary: alert.summary,
            severity: alert.severity,
            source: 'alertmanager',
            dedupKey,
            declaredBy: 'alertmanager',
            declaredAt: new Date(),
          },
          select: alertIncidentColumns,
        });
        return { outcome: 'declared' as const, row };
      },
      { timeout: 10_000 },
    );
  }

  /** Step 2 of receiveAlert: idempotent, so every delivery of the group may call it. */
  private async startAlertIncident(row: AlertIncidentRow): Promise<void> {
    await this.deps.client.workflow.start(incidentWorkflow, {
      workflowId: row.id,
      taskQueue: this.deps.taskQueue,
      args: [
        {
          id: row.id,
          title: row.title,
          summary: row.summary,
          severity: row.severity,
          declaredBy: 'alertmanager',
          source: 'alertmanager',
          dedupKey: row.dedupKey ?? undefined,
        },
        this.deps.incidentPolicy(),
      ],
      // Running: join it (another delivery of the group started it first).
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: INCIDENT_ID_REUSE_POLICY,
    });
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

  /** A note with a key (its Slack message, the caller's idempotency key) is added once however often it is sent. */
  async addNote(id: string, args: msg.Actor & { text: string; key?: string }): Promise<void> {
    const key = args.key ?? currentSignalKey(id, msg.addNoteSignal.name);
    try {
      await this.deps.client.workflow.getHandle(id).signal(msg.addNoteSignal, { ...args, ...(key ? { key } : {}) });
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
