// Interactive element and view ids, shared by the messages Rampart posts and
// the bot handlers that answer them.
export const ACTION = {
  acknowledge: 'incident_acknowledge',
  statusUpdate: 'incident_status_update',
  mitigate: 'incident_mitigate',
  resolve: 'incident_resolve',
  actionDone: 'incident_action_done',
  breachSuspect: 'breach_suspect',
  breachVerify: 'breach_verify',
  breachCustomers: 'breach_customers',
  breachNotice: 'breach_notice',
  breachApprove: 'breach_approve',
  breachRequestChanges: 'breach_request_changes',
} as const;

export const VIEW = {
  declare: 'incident_declare',
  statusUpdate: 'incident_status_update_view',
  breachCustomers: 'breach_customers_view',
  breachNotice: 'breach_notice_view',
  breachChanges: 'breach_changes_view',
} as const;
