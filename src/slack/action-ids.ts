// Interactive element and view ids, shared by the messages Rampart posts and
// the bot handlers that answer them.
export const ACTION = {
  acknowledge: 'incident_acknowledge',
  statusUpdate: 'incident_status_update',
  mitigate: 'incident_mitigate',
  resolve: 'incident_resolve',
  actionDone: 'incident_action_done',
} as const;

export const VIEW = {
  declare: 'incident_declare',
  statusUpdate: 'incident_status_update_view',
} as const;
