// What each committed history must contain. A history that lost its content
// (re-recorded with a shorter scenario, truncated, the wrong workflow) fails
// here before its replay could pass for covering nothing. Add an entry when
// recording a new release (scripts/record-histories.ts).
import type { HistorySummary } from './history-summary';

export const HISTORY_COVERAGE: Record<string, (s: HistorySummary) => void> = {
  // Recorded on the in-memory activities, before the breach reported to its incident.
  '2026-11-22/INC-20261122-hist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: true, patches: [], escalatedTo: ['on-call'] });
    expect(s.recorded).toEqual({
      declared: 1, ack_escalated: 1, acknowledged: 1, role_assigned: 1, note: 1, status_reminder: 3, status_update: 1,
      severity_changed: 1, mitigated: 1, resolved: 1, postmortem_reminder: 7, action_added: 1, postmortem_completed: 1,
      action_done: 1, closed: 1,
    });
    expect(s.notified).toEqual({ ack_escalation: 1, status_reminder: 3, postmortem_reminder: 7 });
  },
  '2026-11-22/INC-20261122-bhist-breach.json': (s) => {
    // Top level and without the patch marker: replaying it proves the unpatched branch still replays.
    expect(s).toMatchObject({ workflowType: 'breachNotificationWorkflow', parent: undefined, completed: true, patches: [], signalsSent: {} });
    expect(s.activities.sendBreachNotice).toBe(5);
    expect(s.failedActivities).toEqual({ sendBreachNotice: 1 });
    expect(s.recorded).toMatchObject({
      breach_reminder: 1, breach_changes_requested: 1, breach_notice_approved: 1, breach_delivery_failing: 1,
      breach_delivery_rejected: 1, breach_contact_corrected: 1, breach_notices_sent: 1, breach_authority_notified: 1,
    });
    expect(s.notified).toEqual({ breach_reminder: 1, breach_delivery_failing: 1, breach_delivery_rejected: 1 });
  },

  // Recorded from the real worker (PostgreSQL, outbox mail) on the time-skipping server,
  // on 2026-12-01 but with this release's workflow code (before the notification queue).
  '2026-11-22/INC-20261201-hist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', parent: undefined, completed: true, childrenStarted: [] });
    // Opened as Alertmanager opens one: started without the declaration update, then alerts.
    expect(s.updates.declaration).toBeUndefined();
    expect(s.signalsReceived).toEqual({ alert: 2, addNote: 1 });
    expect(s.escalatedTo).toEqual(['on-call', 'incident-response-lead', 'executive']);
    expect(s.recorded).toEqual({
      declared: 1, alert_repeated: 1, ack_escalated: 3, status_reminder: 4, acknowledged: 1, role_assigned: 1, note: 1,
      status_update: 1, severity_changed: 1, mitigated: 1, alert_resolved: 1, resolved: 1, postmortem_reminder: 5,
      action_added: 1, postmortem_completed: 1, action_done: 1, closed: 1,
    });
    expect(s.notified).toEqual({ ack_escalation: 3, status_reminder: 4, postmortem_reminder: 5 });
    expect(s.activities.publishIncidentEvent).toBe(s.activities.recordIncidentEvent);
  },
  '2026-11-22/INC-20261201-bhist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: true });
    expect(s.updates).toMatchObject({ declaration: 1, suspectBreach: 1, verifyBreach: 1, resolve: 1, close: 1 });
    expect(s.childrenStarted).toEqual(['breachNotificationWorkflow INC-20261201-bhist-breach']);
    // approved, missed, delivered: sent by the child's patched branch
    expect(s.signalsReceived).toEqual({ breachProgress: 3 });
    expect(s.recorded).toMatchObject({ breach_suspected: 1, breach_verified: 1, breach_progress: 3, status_reminder: 2, closed: 1 });
  },
  '2026-11-22/INC-20261201-bhist-breach.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'breachNotificationWorkflow', parent: 'INC-20261201-bhist', completed: true });
    expect(s.patches).toEqual(['breach-progress-to-incident']);
    expect(s.signalsSent).toEqual({ 'breachProgress -> INC-20261201-bhist': 3 });
    expect(s.activities.sendBreachNotice).toBe(5); // 3 contacts, 1 retry, 1 corrected address
    expect(s.failedActivities).toEqual({ sendBreachNotice: 1 });
    // Ladder 12/18/22/23 h; missed at 24 h; after-miss 25-28 h; authority 24 and 48 h.
    expect(s.notified).toEqual({
      breach_reminder: 4, breach_deadline_missed: 5, authority_reminder: 2, breach_delivery_failing: 1, breach_delivery_rejected: 1,
    });
    expect(s.recorded).toEqual({
      breach_clock_started: 1, breach_customers_set: 1, breach_notice_drafted: 2, breach_changes_requested: 1,
      breach_reminder: 8, breach_deadline_missed: 1, breach_authority_reminder: 2, breach_notice_approved: 1,
      breach_delivery_failing: 1, breach_delivery_rejected: 1, breach_contact_corrected: 1, breach_notices_sent: 1,
      breach_authority_notified: 1,
    });
    expect(s.timersFired).toBe(11); // the 10 reminders above (the 24 h authority one shares the miss's instant) and the 30 s retry pause
  },

  // This release: the notification queue and the breach's timers beside its sending;
  // the incident's bounded history (re-recorded with 'incident-history-bounded').
  '2026-12-01/INC-20261201-hist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', parent: undefined, completed: true, childrenStarted: [] });
    expect([...s.patches].sort()).toEqual(['incident-history-bounded', 'notifications-off-the-clock']);
    expect(s.updates.declaration).toBeUndefined();
    expect(s.signalsReceived).toEqual({ alert: 2, addNote: 1 });
    expect(s.escalatedTo).toEqual(['on-call', 'incident-response-lead', 'executive']);
    expect(s.recorded).toEqual({
      declared: 1, alert_repeated: 1, ack_escalated: 3, status_reminder: 4, acknowledged: 1, role_assigned: 1, note: 1,
      status_update: 1, severity_changed: 1, mitigated: 1, alert_resolved: 1, resolved: 1, postmortem_reminder: 5,
      action_added: 1, postmortem_completed: 1, action_done: 1, closed: 1,
    });
    expect(s.notified).toEqual({ ack_escalation: 3, status_reminder: 4, postmortem_reminder: 5 });
  },
  '2026-12-01/INC-20261201-bhist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: true });
    expect(s.patches).toEqual(['notifications-off-the-clock']);
    expect(s.updates).toMatchObject({ declaration: 1, suspectBreach: 1, verifyBreach: 1, resolve: 1, close: 1 });
    expect(s.childrenStarted).toEqual(['breachNotificationWorkflow INC-20261201-bhist-breach']);
    expect(s.signalsReceived).toEqual({ breachProgress: 3 });
    expect(s.recorded).toMatchObject({ breach_suspected: 1, breach_verified: 1, breach_progress: 3, closed: 1 });
  },
  '2026-12-01/INC-20261201-bhist-breach.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'breachNotificationWorkflow', parent: 'INC-20261201-bhist', completed: true });
    expect([...s.patches].sort()).toEqual([
      'breach-progress-to-incident', 'breach-send-window', 'breach-timers-beside-sending', 'notifications-off-the-clock',
    ]);
    expect(s.signalsSent).toEqual({ 'breachProgress -> INC-20261201-bhist': 3 });
    expect(s.activities.sendBreachNotice).toBe(5);
    // The first authority reminder was refused for good: recorded, and emailed to the fallback address.
    expect(s.failedActivities).toEqual({ sendBreachNotice: 1, deliverNotification: 1 });
    expect(s.activities.sendFallbackNotification).toBe(1);
    expect(s.notified).toEqual({
      breach_reminder: 4, breach_deadline_missed: 5, authority_reminder: 2, breach_delivery_failing: 1, breach_delivery_rejected: 1,
    });
    expect(s.recorded).toEqual({
      breach_clock_started: 1, breach_customers_set: 1, breach_notice_drafted: 2, breach_changes_requested: 1,
      breach_reminder: 8, breach_deadline_missed: 1, breach_authority_reminder: 2, notification_failed: 1, breach_notice_approved: 1,
      breach_delivery_failing: 1, breach_delivery_rejected: 1, breach_contact_corrected: 1, breach_notices_sent: 1,
      breach_authority_notified: 1,
    });
  },

  // This release, patch 'breach-v2': new verifications start the v2 breach (recipients and deliveries in PostgreSQL).
  '2026-12-01/INC-20261201-b2hist.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: true });
    expect([...s.patches].sort()).toEqual(['breach-v2', 'incident-history-bounded', 'notifications-off-the-clock']);
    expect(s.childrenStarted).toEqual(['breachNotificationWorkflowV2 INC-20261201-b2hist-breach']);
    expect(s.signalsReceived).toEqual({ breachProgress: 3 });
    expect(s.recorded).toMatchObject({ breach_suspected: 1, breach_verified: 1, breach_progress: 3, closed: 1 });
  },
  '2026-12-01/INC-20261201-b2hist-breach.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'breachNotificationWorkflowV2', parent: 'INC-20261201-b2hist', completed: true, patches: [] });
    expect(s.updates).toEqual({ setCustomerList: 1, setNotice: 2, requestChanges: 1, approve: 1, correctContact: 1, authorityNotified: 1 });
    expect(s.signalsSent).toEqual({ 'breachProgress -> INC-20261201-b2hist': 3 });
    // One transaction opens the deliveries; pages send them (the failed-once send goes again in the next page).
    expect(s.activities).toMatchObject({ openBreachDeliveries: 1, correctBreachContact: 1, sendBreachNoticePage: 3 });
    expect(s.activities.sendBreachNotice).toBeUndefined();
    expect(s.failedActivities).toEqual({ deliverNotification: 1 });
    expect(s.notified).toEqual({ breach_reminder: 4, breach_deadline_missed: 5, authority_reminder: 2, breach_delivery_rejected: 1 });
    expect(s.recorded).toEqual({
      breach_clock_started: 1, breach_customers_set: 1, breach_notice_drafted: 2, breach_changes_requested: 1,
      breach_reminder: 8, breach_deadline_missed: 1, breach_authority_reminder: 2, notification_failed: 1, breach_notice_approved: 1,
      breach_delivery_rejected: 1, breach_contact_corrected: 1, breach_notices_sent: 1, breach_authority_notified: 1,
    });
  },
  // This release: an incident (recorded on the dev server, see incidentContinuedAsNew) and a v2
  // breach with their continue-as-new thresholds set low (60 events); every run of each, so a
  // hand-over replays as it really happened. The incident's updates and notes arrive side by
  // side, some in one workflow task: across its four runs each of the six rounds is applied once.
  '2026-12-01/INC-20261201-canhist.run1.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: false, continuedAsNew: true, continuedFromEarlierRun: false });
    expect(s.patches).toEqual(['incident-history-bounded']);
    expect(s.updates).toEqual({ declaration: 1, acknowledge: 1, postStatus: 1, assignRole: 1 });
    expect(s.recorded).toEqual({ declared: 1, acknowledged: 1, status_update: 1, note: 1, role_assigned: 1 });
  },
  '2026-12-01/INC-20261201-canhist.run2.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', continuedAsNew: true, continuedFromEarlierRun: true });
    expect(s.updates).toEqual({ postStatus: 2, assignRole: 2 });
    expect(s.signalsReceived).toEqual({ addNote: 2 });
    expect(s.recorded).toEqual({ status_update: 2, note: 2, role_assigned: 2 });
  },
  '2026-12-01/INC-20261201-canhist.run3.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', continuedAsNew: true, continuedFromEarlierRun: true });
    expect(s.updates).toEqual({ postStatus: 2, assignRole: 2 });
    expect(s.signalsReceived).toEqual({ addNote: 2 });
    expect(s.recorded).toEqual({ status_update: 2, note: 2, role_assigned: 2 });
  },
  '2026-12-01/INC-20261201-canhist.run4.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'incidentWorkflow', completed: true, continuedAsNew: false, continuedFromEarlierRun: true });
    expect(s.updates).toEqual({ postStatus: 1, assignRole: 1, resolve: 1, completePostmortem: 1, close: 1 });
    expect(s.recorded).toMatchObject({ status_update: 1, note: 1, role_assigned: 1, resolved: 1, postmortem_completed: 1, closed: 1 });
  },
  '2026-12-01/INC-20261201-canbhist-breach.run1.json': (s) => {
    expect(s).toMatchObject({ workflowType: 'breachNotificationWorkflowV2', continuedAsNew: true, continuedFromEarlierRun: false });
    expect(s.updates).toEqual({ setCustomerList: 1, setNotice: 1 });
    expect(s.recorded).toMatchObject({ breach_clock_started: 1, breach_customers_set: 1, breach_notice_drafted: 1, breach_reminder: 2 });
  },
  '2026-12-01/INC-20261201-canbhist-breach.run2.json': (s) => {
    expect(s).toMatchObject({ continuedAsNew: true, continuedFromEarlierRun: true });
    // The ladder goes on across the hand-over; the miss at 24 h; a refused reminder is emailed instead.
    expect(s.recorded).toMatchObject({ breach_reminder: 2, breach_deadline_missed: 1, breach_authority_reminder: 1, notification_failed: 1 });
    expect(s.activities.sendFallbackNotification).toBe(1);
  },
  '2026-12-01/INC-20261201-canbhist-breach.run3.json': (s) => {
    expect(s).toMatchObject({ continuedAsNew: true, continuedFromEarlierRun: true });
    expect(s.notified).toEqual({ breach_deadline_missed: 4 }); // hourly after the miss
  },
  '2026-12-01/INC-20261201-canbhist-breach.run4.json': (s) => {
    expect(s).toMatchObject({ continuedAsNew: true, continuedFromEarlierRun: true });
    expect(s.updates).toEqual({ approve: 1 });
    expect(s.activities).toMatchObject({ openBreachDeliveries: 1, sendBreachNoticePage: 1 });
    expect(s.recorded).toMatchObject({ breach_notice_approved: 1, breach_notices_sent: 1 });
  },
  '2026-12-01/INC-20261201-canbhist-breach.run5.json': (s) => {
    expect(s).toMatchObject({ completed: true, continuedAsNew: false, continuedFromEarlierRun: true });
    expect(s.updates).toEqual({ authorityNotified: 1 });
    expect(s.recorded).toEqual({ breach_authority_notified: 1 });
  },
};
