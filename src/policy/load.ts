import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { policySchema, type Policy } from './schema';

/** The policy shipped with Rampart; its figures follow the Incident Response Plan. */
export const DEFAULT_POLICY_PATH = path.resolve(__dirname, '../../policy.yaml');

export class PolicyError extends Error {}

/** Parses policy YAML text; errors name the offending field. */
export function parsePolicy(yamlText: string, source = 'policy'): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (err) {
    throw new PolicyError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    throw new PolicyError(`${source}: invalid policy:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function loadPolicy(file = DEFAULT_POLICY_PATH): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError(`cannot read policy file ${file}: ${(err as Error).message}`);
  }
  return parsePolicy(text, file);
}
