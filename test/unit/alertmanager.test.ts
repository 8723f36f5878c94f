import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alertFromPayload, alertmanagerPayloadSchema } from '../../src/api/alertmanager';
import { loadPolicy } from '../../src/policy/load';

const policy = loadPolicy().alertmanager;
const firing = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/alertmanager-firing.json'), 'utf8'));

test('a real v4 payload maps to one alert for the whole group', () => {
  const alert = alertFromPayload(alertmanagerPayloadSchema.parse(firing), policy);
  expect(alert).toMatchObject({ status: 'firing', severity: 'SEV1', title: 'Checkout error rate above 5%' });
  expect(alert.groupKey).toBe(`rampart/${firing.groupKey}`);
  expect(alert.summary.split('\n')).toHaveLength(3);
});

test('the most severe alert of the group decides; unknown labels get the default', () => {
  const mixed = {
    ...firing,
    commonLabels: { alertname: 'X' },
    alerts: [
      { ...firing.alerts[0], labels: { alertname: 'X', severity: 'info' } },
      { ...firing.alerts[1], labels: { alertname: 'X', severity: 'warning' } },
    ],
  };
  expect(alertFromPayload(alertmanagerPayloadSchema.parse(mixed), policy).severity).toBe('SEV3');
  const unknown = { ...mixed, alerts: [{ ...firing.alerts[0], labels: { alertname: 'X', severity: 'weird' } }] };
  expect(alertFromPayload(alertmanagerPayloadSchema.parse(unknown), policy).severity).toBe(policy.default);
});
