// Breach operations for the API and the bot: read the breach, and every
// officer action as an update to its workflow. v1 breaches hold customers and
// deliveries in the workflow; v2 breaches hold them in PostgreSQL and the
// workflow only counts: both are read back here in one shape.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { BreachNotice, DeliveryStatus } from '../domain/breach';
import { IncidentActionRejectedError, IncidentNotFoundError } from '../incidents/errors';
import { executeUpdate } from '../temporal/updates';
import * as msg from '../workflows/breach/messages';
import { setCustomerListUpdate } from '../workflows/breach/messages-v2';
import type { BreachState } from '../workflows/breach/state';
import { isBreachStateV2, type BreachStateV2, type CustomerListRef, type DeliveryCounts } from '../workflows/breach/state-v2';
import { FIRST_PAGE, normaliseCustomers, readCustomers, readDeliveries, storeCustomerList, type ListPage } from './customer-lists';

/**
 * What callers see of a breach: v1's shape with its customers and deliveries
 * cut to one page (`page` says which, and how many there are in all), plus
 * (v2) the list reference and counts.
 */
export type BreachView = BreachState & {
  customerList?: CustomerListRef;
  deliveryCounts?: DeliveryCounts;
  /** The page shown, and the lists' full lengths: customers, their contacts, deliveries (in `status`, if given). */
  page: ListPage & { customers: number; contacts: number; deliveries: number; status?: DeliveryStatus };
};

/** Which page of the lists to show, and (optionally) only deliveries in one status. */
export interface BreachQuery {
  page?: ListPage;
  status?: DeliveryStatus;
}

export class BreachService {
  constructor(private readonly deps: { client: Client; db: Db }) {}

  /** Live state, with each delivery's proof as recorded by the send activity. */
  async get(breachId: string, query: BreachQuery = {}) {
    const state = await this.view(await this.query(breachId), query);
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

  private async query(breachId: string): Promise<BreachState | BreachStateV2> {
    try {
      return (await this.deps.client.workflow.getHandle(breachId).query(msg.breachStateQuery)) as BreachState | BreachStateV2;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new IncidentNotFoundError(`no breach ${breachId}`);
      throw err;
    }
  }

  /** One page of customers and deliveries: v1's from its state, v2's from PostgreSQL. */
  private async view(state: BreachState | BreachStateV2, { page = FIRST_PAGE, status }: BreachQuery = {}): Promise<BreachView> {
    const window = <T>(all: T[]) => all.slice(page.offset, page.offset + page.limit);
    if (!isBreachStateV2(state)) {
      const deliveries = status ? state.deliveries.filter((d) => d.status === status) : state.deliveries;
      return {
        ...state,
        deliveryCounts: countOf(state.deliveries),
        customers: window(state.customers),
        deliveries: window(deliveries),
        page: {
          ...page,
          customers: state.customers.length,
          contacts: state.customers.reduce((n, c) => n + c.contacts.length, 0),
          deliveries: deliveries.length,
          ...(status ? { status } : {}),
        },
      };
    }
    const { version: _version, deliveries: counts, toldApproved: _t, mailTroubleToldAt: _m, run: _r, ...rest } = state;
    const [customers, deliveries] = await Promise.all([
      readCustomers(this.deps.db, state.customerList?.revision, page),
      counts ? readDeliveries(this.deps.db, state.id, page, status) : Promise.resolve({ items: [], total: 0 }),
    ]);
    return {
      ...rest,
      customers: customers.items,
      deliveries: deliveries.items,
      page: { ...page, customers: customers.total, contacts: state.customerList?.contacts ?? 0, deliveries: deliveries.total, ...(status ? { status } : {}) },
      ...(counts ? { deliveryCounts: counts } : {}),
    };
  }

  private async update<A extends msg.Actor>(breachId: string, definition: Parameters<typeof executeUpdate<BreachState, A>>[2], args: A): Promise<BreachView> {
    const state = await executeUpdate(this.deps.client, breachId, definition, args).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw new IncidentNotFoundError(`no breach ${breachId} (is it verified?)`);
      throw err;
    });
    return this.view(state as BreachState | BreachStateV2);
  }

  async setCustomers(id: string, args: msg.Actor & { customers: msg.CustomerInput[] }): Promise<BreachView> {
    const state = await this.query(id).catch((err: unknown) => {
      if (err instanceof IncidentNotFoundError) throw new IncidentNotFoundError(`no breach ${id} (is it verified?)`);
      throw err;
    });
    if (!isBreachStateV2(state)) return this.update(id, msg.setCustomersUpdate, args);
    if (state.approvedAt) throw new IncidentActionRejectedError('the notice is approved and sending has started; nothing can be changed now');
    const list = await storeCustomerList(this.deps.db, id, args.actor, normaliseCustomers(args.customers));
    return this.update(id, setCustomerListUpdate as unknown as typeof msg.setCustomersUpdate, { actor: args.actor, list } as never);
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

/** v1 keeps its deliveries in its state: the same counts v2 keeps in PostgreSQL. */
function countOf(deliveries: BreachState['deliveries']): DeliveryCounts {
  const n = (status: DeliveryStatus) => deliveries.filter((d) => d.status === status).length;
  const live = deliveries.length - n('replaced');
  return { total: live, pending: n('pending'), sent: n('sent'), rejected: n('rejected'), replaced: n('replaced'), late: deliveries.filter((d) => d.late).length };
}
