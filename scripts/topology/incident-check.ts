// What proves the topology works end to end: an incident declared through the
// API (one process) is run by the worker (another process) on the Temporal
// server, whose history and visibility rows land in PostgreSQL.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { queryAs } from './postgres-roles';

export interface DeclaredIncident {
  id: string;
  /** Timeline kinds, oldest first, once `declared` is among them. */
  timeline: string[];
}

/** POST /incidents, then the timeline until the workflow has recorded `declared`. */
export async function declareIncident(apiUrl: string, apiToken: string, timeoutMs = 120_000): Promise<DeclaredIncident> {
  const headers = { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ title: 'Production topology check', severity: 'SEV3', declaredBy: 'topology-check' });
  const declared = await fetch(`${apiUrl}/incidents`, { method: 'POST', headers, body });
  const state = (await declared.json()) as { id?: string; error?: string };
  if (declared.status !== 201 || !state.id) throw new Error(`POST /incidents answered ${declared.status}: ${state.error ?? 'no id'}`);

  const deadline = Date.now() + timeoutMs;
  let kinds: string[] = [];
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/incidents/${encodeURIComponent(state.id)}/timeline`, { headers });
    if (res.ok) {
      kinds = ((await res.json()) as { timeline: { kind: string }[] }).timeline.map((entry) => entry.kind);
      if (kinds.includes('declared')) return { id: state.id, timeline: kinds };
    }
    await sleep(250);
  }
  throw new Error(`incident ${state.id}: no "declared" in its timeline after ${timeoutMs / 1000} s (timeline: ${kinds.join(', ') || 'empty'})`);
}

export interface TemporalRows {
  /** Rows for the workflow in temporal.current_executions (its history lives in this database). */
  currentExecutions: number;
  /** Rows for it in temporal_visibility.executions_visibility (written asynchronously, so polled). */
  visibility: number;
}

export async function temporalRowsFor(workflowId: string, temporalUrl: string, visibilityUrl: string, timeoutMs = 60_000): Promise<TemporalRows> {
  const count = async (url: string, table: string) =>
    (await queryAs<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table} WHERE workflow_id = $1`, [workflowId]))[0]?.n ?? 0;
  const currentExecutions = await count(temporalUrl, 'current_executions');
  const deadline = Date.now() + timeoutMs;
  let visibility = await count(visibilityUrl, 'executions_visibility');
  while (visibility === 0 && Date.now() < deadline) {
    await sleep(500);
    visibility = await count(visibilityUrl, 'executions_visibility');
  }
  return { currentExecutions, visibility };
}

/** The schema version temporal-sql-tool recorded in a database. */
export async function schemaVersion(url: string): Promise<string> {
  return (await queryAs<{ curr_version: string }>(url, 'SELECT curr_version FROM schema_version'))[0]?.curr_version ?? 'none';
}

/**
 * Which of our processes poll the task queue, by the process group of each
 * poller's pid (identity `<pid>@<host>`): only the worker's should.
 */
export async function pollerOwners(address: string, namespace: string, taskQueue: string, groups: Record<string, number>): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const owners = new Set<string>();
    for (const taskQueueType of [1, 2]) { // TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY
      const { pollers } = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
      for (const { identity } of pollers) {
        const pgid = processGroupOf(Number((identity ?? '').split('@')[0]));
        owners.add(Object.entries(groups).find(([, group]) => group === pgid)?.[0] ?? `other (${identity ?? '?'})`);
      }
    }
    return [...owners].sort();
  } finally {
    await connection.close();
  }
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}
