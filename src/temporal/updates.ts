// Runs a workflow update for a caller, turning a validator's refusal into an
// IncidentActionRejectedError (shown to people as a 409 / an ephemeral message).
// Under a caller's idempotency key (idempotency.ts) the update carries an id
// derived from it, so a retried request is applied once.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { IncidentActionRejectedError } from '../incidents/errors';
import { currentUpdateId } from './idempotency';

export async function executeUpdate<R, A>(client: Client, workflowId: string, definition: UpdateDefinition<R, [A]>, args: A): Promise<R> {
  try {
    const updateId = currentUpdateId(workflowId, definition.name);
    return await client.workflow.getHandle(workflowId).executeUpdate(definition, { args: [args], ...(updateId ? { updateId } : {}) });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      throw new IncidentActionRejectedError(err.cause.message);
    }
    throw err;
  }
}
