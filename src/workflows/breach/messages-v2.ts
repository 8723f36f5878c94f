// Messages of the v2 breach workflow: the same names as v1 where the arguments
// are the same; the customer list arrives as a reference to its stored revision.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BreachNotice } from '../../domain/breach';
import type { Actor } from './messages';
import type { BreachStateV2, CustomerListRef } from './state-v2';

export const setCustomerListUpdate = defineUpdate<BreachStateV2, [Actor & { list: CustomerListRef }]>('setCustomerList');
export const setNoticeUpdateV2 = defineUpdate<BreachStateV2, [Actor & { notice: BreachNotice }]>('setNotice');
export const approveUpdateV2 = defineUpdate<BreachStateV2, [Actor]>('approve');
export const requestChangesUpdateV2 = defineUpdate<BreachStateV2, [Actor & { comment: string }]>('requestChanges');
export const correctContactUpdateV2 = defineUpdate<BreachStateV2, [Actor & { customerId: string; email: string; newEmail: string }]>(
  'correctContact',
);
export const authorityNotifiedUpdateV2 = defineUpdate<BreachStateV2, [Actor & { reference: string }]>('authorityNotified');

/** Same query name as v1: callers tell the two apart by `version`. */
export const breachStateQueryV2 = defineQuery<BreachStateV2 | { version?: undefined }>('breachState');
