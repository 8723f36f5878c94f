// docker-compose.yml cannot run in CI (no Docker engine); scripts/production-topology.ts runs its
// topology as processes and test/app/production-topology.test.ts runs that. This file keeps the
// two the same topology: same server version, settings, schema steps, namespace and Rampart
// commands, and checks the compose file's exposure and secrets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NAMESPACE, RETENTION_DAYS, TASK_QUEUE } from '../../scripts/topology/settings';
import { schemaSteps, TEMPORAL_DATABASES } from '../../scripts/topology/temporal-schema';
import { temporalServerSettings } from '../../scripts/topology/temporal-server';
import { REPO_ROOT } from '../support/tsx-process';
import { scriptEntry } from './production-process';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  networks?: string[];
  ports?: string[];
  volumes?: string[];
}

const composeText = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = YAML.parse(composeText, { merge: true }) as { services: Record<string, Service>; networks: Record<string, { internal?: boolean }> };
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const script = (name: string): string => (service(name).command ?? []).join('\n');
const pinnedServerVersion = /go\.temporal\.io\/server v(\S+)/.exec(readFileSync(path.join(REPO_ROOT, 'tools/temporal-server/go.mod'), 'utf8'))?.[1];

it('runs the Temporal server and temporal-sql-tool at the version tools/temporal-server builds', () => {
  expect(pinnedServerVersion).toMatch(/^\d+\.\d+\.\d+$/);
  expect(service('temporal').image).toBe(`temporalio/server:${pinnedServerVersion}`);
  expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${pinnedServerVersion}`);
  expect(service('temporal-namespace').image).toBe(`temporalio/admin-tools:${pinnedServerVersion}`);
});

it('configures the Temporal server as the script does: PostgreSQL 12, its own role, the same dynamic config file', () => {
  const env = service('temporal').environment ?? {};
  const expected = temporalServerSettings({ host: 'postgresql', port: 5432, user: 'temporal', password: '' }, '/etc/temporal/rampart/dynamicconfig.yaml');
  for (const [name, value] of Object.entries(expected)) {
    if (name === 'POSTGRES_PWD') expect(env[name]).toEqual(expect.any(String));
    else expect({ name, value: String(env[name]) }).toEqual({ name, value });
  }
  expect(service('temporal').volumes).toContain(`./tools/temporal-server/dynamicconfig.yaml:${expected.DYNAMIC_CONFIG_FILE_PATH}:ro`);
});

it('makes both Temporal databases with the same temporal-sql-tool steps as the script, as the temporal role', () => {
  const job = script('temporal-schema');
  for (const [database, part] of TEMPORAL_DATABASES) expect(job).toContain(`${database}:${part}`);
  const steps = job.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('temporal-sql-tool'));
  const versionedDir = '"/etc/temporal/schema/postgresql/v12/$${pair#*:}/versioned"';
  expect(steps).toEqual(schemaSteps(versionedDir).map((args) => ['temporal-sql-tool', ...args].join(' ')));
  expect(service('temporal-schema').environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_USER: 'temporal' });
});

it("registers the default namespace with the script's retention", () => {
  expect(script('temporal-namespace')).toContain(`temporal operator namespace create --namespace ${NAMESPACE} --retention ${RETENTION_DAYS * 24}h`);
});

it('runs the worker and the API as separate services on the files of npm run worker and npm run api, finding Temporal and PostgreSQL by TEMPORAL_ADDRESS and DATABASE_URL', () => {
  for (const [name, npmScript] of [['rampart-worker', 'worker'], ['rampart-api', 'api']] as const) {
    expect(service(name).command).toEqual(['node', '--import', 'tsx', scriptEntry(npmScript)]);
    expect(service(name).environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: NAMESPACE,
      RAMPART_TASK_QUEUE: TASK_QUEUE,
      DATABASE_URL: expect.stringMatching(/^postgresql:\/\/rampart:[^@]+@postgresql:5432\/rampart$/),
    });
  }
});

it('publishes ports on 127.0.0.1 only, keeps PostgreSQL and Temporal on the internal network, and has no default secrets', () => {
  const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
  expect(published.length).toBeGreaterThan(0);
  for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  expect(compose.networks.backend?.internal).toBe(true);
  expect(service('postgresql').networks).toEqual(['backend']);
  expect(service('temporal').networks).toEqual(['backend']);

  expect(composeText).not.toMatch(/change-me/i);
  for (const secret of ['POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'RAMPART_DB_PASSWORD', 'RAMPART_API_TOKEN', 'ALERTMANAGER_WEBHOOK_TOKEN']) {
    const uses = [...composeText.matchAll(new RegExp(`\\$\\{${secret}([^}]*)\\}`, 'g'))].map((m) => m[1]);
    expect({ secret, used: uses.length > 0 }).toEqual({ secret, used: true });
    for (const use of uses) expect({ secret, use }).toEqual({ secret, use: expect.stringMatching(/^:\?/) });
  }
});
