// Records this release's workflow histories for the replay test, from the real
// worker (see history-recorder.ts and history-scenarios.ts). Each release keeps
// its own directory, test/histories/<release>/, next to the older ones: a
// change to workflow code must replay all of them. Record only on purpose, once
// per release that changed src/workflows; existing files are never overwritten
// unless --force is given (an older release's histories must stay as recorded).
//
//   npx tsx scripts/record-histories.ts [--release YYYY-MM-DD] [--force] [--only hist|bhist|b2hist|canhist|canbhist] [outDir]
//
// The release defaults to CURRENT_RELEASE below; workflow ids derive from it
// (INC-<yyyymmdd>-hist, INC-<yyyymmdd>-bhist and -b2hist with their -breach children;
// INC-<yyyymmdd>-canhist and the breach INC-<yyyymmdd>-canbhist-breach, every run of each).
// --only records one scenario, leaving the others' files as they are.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { recordScenarios } from './history-recorder';
import { breachAsChild, breachContinuedAsNew, breachV2AsChild, incidentContinuedAsNew, incidentLifecycle } from './history-scenarios';

/** Bump when recording for a new release. */
const CURRENT_RELEASE = '2026-12-01';

const { values, positionals } = parseArgs({
  options: { release: { type: 'string', default: CURRENT_RELEASE }, force: { type: 'boolean', default: false }, only: { type: 'string' } },
  allowPositionals: true,
});
const release = values.release;
if (!/^\d{4}-\d{2}-\d{2}$/.test(release)) throw new Error(`--release must be YYYY-MM-DD, not "${release}"`);
const outDir = path.resolve(positionals[0] ?? path.join('test/histories', release));
const day = release.replace(/-/g, '');
const all = {
  hist: incidentLifecycle(`INC-${day}-hist`),
  bhist: breachAsChild(`INC-${day}-bhist`),
  b2hist: breachV2AsChild(`INC-${day}-b2hist`),
  canhist: incidentContinuedAsNew(`INC-${day}-canhist`),
  canbhist: breachContinuedAsNew(`INC-${day}-canbhist`),
};
// bhist drives a v1 breach, which new verifications no longer start (patch 'breach-v2'): its
// committed files stay; it is not recorded again by default.
const chosen = values.only ? [values.only] : ['hist', 'b2hist', 'canhist', 'canbhist'];
for (const key of chosen) if (!(key in all)) throw new Error(`--only must be one of ${Object.keys(all).join(', ')}, not "${key}"`);
const scenarios = chosen.map((key) => all[key as keyof typeof all]);

async function main(): Promise<void> {
  const taken = chosen
    .flatMap((key) => {
      const id = `INC-${day}-${key}`;
      if (key === 'hist') return [`${id}.json`];
      if (key === 'canhist') return [`${id}.run1.json`];
      if (key === 'canbhist') return [`${id}-breach.run1.json`];
      return [`${id}.json`, `${id}-breach.json`];
    })
    .map((file) => path.join(outDir, file))
    .filter((file) => existsSync(file));
  if (taken.length > 0 && !values.force) {
    throw new Error(`refusing to overwrite ${taken.join(', ')}: histories of a release stay as recorded (--force to re-record on purpose)`);
  }
  await mkdir(outDir, { recursive: true });
  // Worker chatter (start, stop, polls) would bury the few lines that matter.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  await recordScenarios(outDir, scenarios);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
