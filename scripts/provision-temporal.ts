/**
 * Resolves (building into the cache if needed) the Temporal dev server and time-skipping test
 * server, so tests and benchmarks start them without paying a build. Used by `.ci/run`.
 *
 *   npx tsx scripts/provision-temporal.ts
 */
import {
  cacheRoot,
  existingClusterAddress,
  provisionServers,
  type EphemeralServerExecutable,
} from '../src/temporal/servers';

function describe(exe: EphemeralServerExecutable): string {
  return exe.type === 'existing-path' ? exe.path : 'SDK download (cached by @temporalio/testing in the temp dir)';
}

async function main(): Promise<void> {
  const started = Date.now();
  const { devServer, testServer } = await provisionServers();
  console.log(`dev server (Temporal CLI): ${describe(devServer)}`);
  console.log(`time-skipping test server: ${describe(testServer)}`);
  console.log(`cache: ${cacheRoot()}`);
  const address = existingClusterAddress();
  if (address) console.log(`note: TEMPORAL_ADDRESS=${address} is set, so callers use that cluster instead`);
  console.error(`[rampart] provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
