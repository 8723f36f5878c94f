// Breach operations for the API and the bot: read the breach, and every
// officer action as an update to its workflow.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { BreachNotice } from '../domain/breach';
import { IncidentNotFoundError } from '../incidents/errors';
import { executeUpdate } from '../temporal/updates';
import * as msg from '../workflows/breach/messages';
import type { BreachState } from '../workflows/breach/state';

export class BreachService {
  constructor(private readonly deps: { client: Client; db: Db }) {}

  /** Live state, with each delivery's proof as recorded by the send activity. */
  async get(breachId: string) {
    let state: BreachState;
    try {
      state = await this.deps.client.workflow.getHandle(breachId).query(msg.breachStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new IncidentNotFoundError(`no breach ${breachId}`);
      throw err;
    }
    const now = Date.now();
    return {
      ...state,
      timeLeftMinutes: Math.round((Date.parse(state.deadline) - now) / 60_000),
      authorityTimeLeftMinutes: Math.round((Date.parse(state.authorityDeadline) - now) / 60_000),
      approval: state.approvedAt ? 'approved' : state.changesRequested ? 'changes_requested' : state.notice ? 'awaiting_approval' : 'no_notice',
      deliveries: state.deliveries.map((d) => ({
        ...d,
        marginMinutes: d.sentAt ? Math.round((Date.parse(state.deadline) - Date.parse(d.sentAt)) / 60_000) : undefined,
      })),
    };
  }

  private update<A extends msg.Actor>(breachId: string, definition: Parameters<typeof executeUpdate<BreachState, A>>[2], args: A) {
    return executeUpdate(this.deps.client, breachId, definition, args).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new IncidentNotFoundError(`no breach ${breachId} (is it verified?)`);
      throw err;
    });
  }

  setCustomers(id: string, args: msg.Actor & { customers: msg.CustomerInput[] }) {
    return this.update(id, msg.setCustomersUpdate, args);
  }
  setNotice(id: string, args: msg.Actor & { notice: BreachNotice }) {
    return this.update(id, msg.setNoticeUpdate, args);
  }
  approve(id: string, args: msg.Actor) {
    return this.update(id, msg.approveUpdate, args);
  }
  requestChanges(id: string, args: msg.Actor & { comment: string }) {
    return this.update(id, msg.requestChangesUpdate, args);
  }
  correctContact(id: string, args: msg.Actor & { customerId: string; email: string; newEmail: string }) {
    return this.update(id, msg.correctContactUpdate, args);
  }
  authorityNotified(id: string, args: msg.Actor & { reference: string }) {
    return this.update(id, msg.authorityNotifiedUpdate, args);
  }
}
