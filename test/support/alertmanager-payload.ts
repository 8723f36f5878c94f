// A firing Alertmanager webhook payload (version 4) of one alert, with a group
// key of its own, so each call opens a new incident.
export function firingAlertGroup(o: { alertname: string; severity: string; summary: string }) {
  return {
    version: '4',
    groupKey: `{}:{alertname="${o.alertname}",run="${process.pid}-${Date.now()}-${Math.random()}"}`,
    status: 'firing',
    receiver: 'rampart',
    groupLabels: { alertname: o.alertname },
    commonLabels: { alertname: o.alertname, severity: o.severity },
    commonAnnotations: { summary: o.summary },
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: o.alertname, severity: o.severity },
        annotations: { summary: o.summary },
        startsAt: '2026-11-22T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'f1',
      },
    ],
    truncatedAlerts: 0,
  };
}
