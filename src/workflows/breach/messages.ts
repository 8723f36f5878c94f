// Messages of the breach notification workflow, defined once for every caller.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BreachNotice } from '../../domain/breach';
import type { BreachState } from './state';

export interface Actor {
  actor: string;
}

export interface CustomerInput {
  name: string;
  contacts: string[];
  dataAffected: string;
}

export const setCustomersUpdate = defineUpdate<BreachState, [Actor & { customers: CustomerInput[] }]>('setCustomers');
export const setNoticeUpdate = defineUpdate<BreachState, [Actor & { notice: BreachNotice }]>('setNotice');
export const approveUpdate = defineUpdate<BreachState, [Actor]>('approve');
export const requestChangesUpdate = defineUpdate<BreachState, [Actor & { comment: string }]>('requestChanges');
export const correctContactUpdate = defineUpdate<BreachState, [Actor & { customerId: string; email: string; newEmail: string }]>(
  'correctContact',
);
export const authorityNotifiedUpdate = defineUpdate<BreachState, [Actor & { reference: string }]>('authorityNotified');

export const breachStateQuery = defineQuery<BreachState>('breachState');

export const INVALID_BREACH_ACTION = 'InvalidBreachAction';

export function breachWorkflowId(incidentId: string): string {
  return `${incidentId}-breach`;
}

export function incidentIdOfBreach(breachId: string): string {
  return breachId.replace(/-breach$/, '');
}
