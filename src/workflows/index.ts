// Entry point of the workflow bundle: every workflow the worker runs.
export { incidentWorkflow } from './incident/incident-workflow';
export { breachNotificationWorkflow } from './breach/breach-notification-workflow';
export { breachNotificationWorkflowV2 } from './breach/breach-notification-workflow-v2';
