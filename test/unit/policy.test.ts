import { readFileSync } from 'node:fs';
import { parseDuration } from '../../src/policy/duration';
import { DEFAULT_POLICY_PATH, loadPolicy, parsePolicy, PolicyError } from '../../src/policy/load';

test('durations parse to milliseconds and reject nonsense', () => {
  expect(parseDuration('15m')).toBe(900_000);
  expect(parseDuration('1h30m')).toBe(5_400_000);
  expect(parseDuration('2d')).toBe(172_800_000);
  expect(parseDuration('1w')).toBe(604_800_000);
  for (const bad of ['', '15', 'm', '1.5h', '-1h', '0m', '15 minutes']) expect(() => parseDuration(bad)).toThrow(/duration/);
});

test('the shipped policy loads with the Incident Response Plan figures', () => {
  const { incident } = loadPolicy();
  expect(incident.severities.SEV1).toEqual({ acknowledgeWithin: 15 * 60_000, statusUpdateEvery: 30 * 60_000 });
  expect(incident.roles).toContain('commander');
  expect(incident.postmortem.dueAfterBusinessDays).toBe(5);
});

test('invalid policies are refused with the offending field named', () => {
  const text = readFileSync(DEFAULT_POLICY_PATH, 'utf8');
  expect(() => parsePolicy(text.replace('acknowledgeWithin: 15m', 'acknowledgeWithin: soon'))).toThrow(
    /invalid duration "soon"[\s\S]*at incident\.severities\.SEV1\.acknowledgeWithin/,
  );
  expect(() => parsePolicy(text.replace('roles: [commander, ', 'roles: ['))).toThrow(/must include "commander"/);
  expect(() => parsePolicy(text.replace('SEV4: {', 'SEV5: {'))).toThrow(PolicyError);
  expect(() => parsePolicy('incident: [')).toThrow(/not valid YAML/);
  expect(() => loadPolicy('/nonexistent/policy.yaml')).toThrow(/cannot read policy file/);
});

test('business days are counted in the policy time zone: UTC unless named, an unknown zone refused naming the field', () => {
  const text = readFileSync(DEFAULT_POLICY_PATH, 'utf8');
  expect(loadPolicy().incident.postmortem.timeZone).toBe('UTC');
  expect(parsePolicy(text.replace('timeZone: UTC', 'timeZone: America/Los_Angeles')).incident.postmortem.timeZone).toBe(
    'America/Los_Angeles',
  );
  const withoutZone = text.replace(/^ *timeZone: UTC\n/m, '');
  expect(withoutZone).not.toMatch(/^ *timeZone:/m);
  expect(parsePolicy(withoutZone).incident.postmortem.timeZone).toBe('UTC');
  expect(() => parsePolicy(text.replace('timeZone: UTC', 'timeZone: Mars/Olympus'))).toThrow(
    /unknown time zone "Mars\/Olympus"[\s\S]*at incident\.postmortem\.timeZone/,
  );
});
