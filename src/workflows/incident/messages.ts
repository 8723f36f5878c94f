// The incident workflow's messages, defined once and imported by every caller
// (API, alert webhook, Slack bot). Every change carries the actor for the
// timeline and the audit log.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BreachProgress, IncidentState, Severity } from '../../domain/incident';

export interface Actor {
  actor: string;
}

export interface DeclareIncidentInput {
  id: string;
  title: string;
  summary?: string;
  severity: Severity;
  personalData?: boolean;
  declaredBy: string;
  source?: string;
  dedupKey?: string;
}

/** Completes once the declaration is recorded: lets a declarer return only after it is durable. */
export const declarationUpdate = defineUpdate<IncidentState, []>('declaration');
export const acknowledgeUpdate = defineUpdate<IncidentState, [Actor]>('acknowledge');
export const setSeverityUpdate = defineUpdate<IncidentState, [Actor & { severity: Severity; reason?: string }]>(
  'setSeverity',
);
export const assignRoleUpdate = defineUpdate<IncidentState, [Actor & { role: string; userId: string }]>('assignRole');
export const postStatusUpdate = defineUpdate<IncidentState, [Actor & { text: string }]>('postStatus');
export const mitigateUpdate = defineUpdate<IncidentState, [Actor & { note?: string }]>('mitigate');
export const resolveUpdate = defineUpdate<IncidentState, [Actor & { note?: string }]>('resolve');
export const startPostmortemUpdate = defineUpdate<IncidentState, [Actor]>('startPostmortem');
export const completePostmortemUpdate = defineUpdate<IncidentState, [Actor & { document: string }]>(
  'completePostmortem',
);
export const addActionUpdate = defineUpdate<IncidentState, [Actor & { title: string; owner?: string }]>('addAction');
export const completeActionUpdate = defineUpdate<IncidentState, [Actor & { actionId: string }]>('completeAction');
export const closeUpdate = defineUpdate<IncidentState, [Actor]>('close');
/** Someone suspects personal data was breached. */
export const suspectBreachUpdate = defineUpdate<IncidentState, [Actor]>('suspectBreach');
/** A privacy/security officer confirms it: T0 of the 24-hour customer notice. */
export const verifyBreachUpdate = defineUpdate<IncidentState, [Actor]>('verifyBreach');

/**
 * Free-form timeline entries (pinned or marked messages, notes): fire and forget.
 * `key` (e.g. the Slack message) makes repeats of the same note count once.
 */
export const addNoteSignal = defineSignal<[Actor & { text: string; key?: string }]>('addNote');
/** The alert that opened the incident fired again or resolved (Alertmanager). */
export const alertSignal = defineSignal<[{ status: 'firing' | 'resolved'; summary: string }]>('alert');

/** The breach workflow reports approval, completion or a missed deadline to its incident. */
export const breachProgressSignal = defineSignal<[BreachProgress]>('breachProgress');

export const stateQuery = defineQuery<IncidentState>('state');

/** Failure type thrown by update validators; callers map it to a 409. */
export const INVALID_ACTION = 'InvalidIncidentAction';
export const triageUpdate = defineUpdate<IncidentState, [Actor & { severity?: Severity }]>('triage');
