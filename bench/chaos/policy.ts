// The chaos run's policy: the shipped policy.yaml with windows short enough
// that acknowledgement escalations and status reminders happen during a run of
// a few minutes, and one officer, who verifies the breach and approves its notice.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFAULT_POLICY_PATH, loadPolicy } from '../../src/policy/load';
import type { Policy } from '../../src/policy/schema';

export const OFFICER = 'dpo';

/** Status-update cadence per severity, as written into the policy; the reminder check reads it back from the policy. */
const SHORT_WINDOWS = {
  SEV1: { acknowledgeWithin: '20s', statusUpdateEvery: '30s' },
  SEV2: { acknowledgeWithin: '40s', statusUpdateEvery: '1m' },
  SEV3: { acknowledgeWithin: '4h', statusUpdateEvery: '1d' },
  SEV4: { acknowledgeWithin: '1d', statusUpdateEvery: '3d' },
};

/** Writes the policy into `dir` and returns its path and parsed form (validated as Rampart validates it). */
export function writeChaosPolicy(dir: string): { file: string; policy: Policy } {
  const raw = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as {
    incident: { severities: unknown };
    breach: { officers: string[] };
  };
  raw.incident.severities = SHORT_WINDOWS;
  raw.breach.officers = [OFFICER];
  const file = path.join(dir, 'chaos-policy.yaml');
  writeFileSync(file, stringify(raw));
  return { file, policy: loadPolicy(file) };
}
