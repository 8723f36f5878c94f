// Wedged workflows: running, but making no progress because their workflow task
// keeps failing (a bug, or a deploy that changed a workflow's commands without
// patched()). Their timers, reminders and escalations stop, silently. The
// Temporal server itself marks them: after 5 consecutive failed or timed-out
// workflow tasks (dynamic config
// `system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute`, default 5;
// 0 turns it off) it sets the `TemporalReportedProblems` search attribute to
// ["category=WorkflowTaskFailed", "cause=WorkflowTaskFailedCause<Cause>"] (or
// WorkflowTaskTimedOut / WorkflowTaskTimedOutCause<Type>), and removes it when a
// workflow task completes again. One visibility query finds them all.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/**
 * What an operator runs too: `temporal workflow list --query "<this>"`. Only
 * Rampart's task queue: a namespace shared with other applications must not
 * make Rampart report their workflows.
 */
export function wedgedWorkflowsQuery(taskQueue: string): string {
  return `ExecutionStatus = 'Running' AND TemporalReportedProblems IS NOT NULL AND TaskQueue = '${taskQueue.replaceAll("'", "''")}'`;
}

/** At most this many are named; the check stays one bounded query however many there are. */
export const WEDGED_WORKFLOWS_NAMED = 10;

export interface WedgedWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The server's cause, e.g. `WorkflowTaskFailedCauseNonDeterministicError`. */
  cause: string;
}

export interface WedgedWorkflows {
  workflows: WedgedWorkflow[];
  /** More are wedged than were named. */
  more: boolean;
}

/** The wedged workflows of `taskQueue` in the client's namespace: one visibility query, at most `limit` of them. */
export async function findWedgedWorkflows(client: Client, taskQueue: string, limit = WEDGED_WORKFLOWS_NAMED): Promise<WedgedWorkflows> {
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: wedgedWorkflowsQuery(taskQueue),
    pageSize: limit,
  });
  const workflows = response.executions.slice(0, limit).map((info) => ({
    workflowId: info.execution?.workflowId ?? '',
    runId: info.execution?.runId ?? '',
    workflowType: info.type?.name ?? '',
    cause: causeOf(info.searchAttributes?.indexedFields?.TemporalReportedProblems),
  }));
  const more = response.executions.length > limit || (response.nextPageToken?.length ?? 0) > 0;
  return { workflows, more };
}

/** `cause=X` from the attribute's keyword list; the whole list when the server words it otherwise. */
function causeOf(payload: Parameters<typeof defaultPayloadConverter.fromPayload>[0] | null | undefined): string {
  if (!payload) return 'unknown cause';
  const problems = defaultPayloadConverter.fromPayload<unknown>(payload);
  const list = Array.isArray(problems) ? problems.map(String) : [String(problems)];
  const cause = list.find((p) => p.startsWith('cause='));
  return cause ? cause.slice('cause='.length) : list.join(' ');
}

/** The health check's words: `ok`, or `2 wedged: INC-1 (cause), INC-2 (cause)`. */
export function describeWedged({ workflows, more }: WedgedWorkflows): string {
  if (workflows.length === 0) return 'ok';
  const named = workflows.map((w) => `${w.workflowId} (${w.cause})`).join(', ');
  return `${workflows.length}${more ? '+' : ''} wedged: ${named}`;
}

/**
 * The `workflows` health check: names the wedged workflows, and logs each one
 * once (per run and cause) for as long as it stays wedged, so a poller calling
 * every few seconds does not flood the log; one that recovers and wedges again
 * is logged again.
 */
export class WedgedWorkflowsCheck {
  private logged = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  async check(): Promise<string> {
    const found = await findWedgedWorkflows(this.client, this.taskQueue);
    const now = new Set<string>();
    for (const w of found.workflows) {
      const key = `${w.workflowId}/${w.runId}/${w.cause}`;
      now.add(key);
      if (this.logged.has(key)) continue;
      this.log(
        `rampart: workflow ${w.workflowId} (${w.workflowType}) is wedged: its workflow task keeps failing (${w.cause}); ` +
          'its timers and reminders do not run until the cause is fixed and it is reset (README, "A wedged workflow")',
      );
    }
    this.logged = now;
    return describeWedged(found);
  }
}
