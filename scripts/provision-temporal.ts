/**
 * Resolves (building into the cache if needed) the Temporal dev server and time-skipping test
 * server, so tests and benchmarks start them without paying a build, and the production Temporal
 * server with its SQL tool for `npm run topology` and its test. Used by `npm test` and `.ci/run`.
 *
 *   npx tsx scripts/provision-temporal.ts
 */
import {
  BuildToolsMissingError,
  cacheRoot,
  existingClusterAddress,
  provisionServers,
  resolveTemporalServer,
  type EphemeralServerExecutable,
} from '../src/temporal/servers';

function describe(exe: EphemeralServerExecutable): string {
  return exe.type === 'existing-path' ? exe.path : 'SDK download (cached by @temporalio/testing in the temp dir)';
}

/** The production server is built from Go only; without Go (and nothing cached) its topology test skips. */
async function productionServer(): Promise<string> {
  try {
    const install = await resolveTemporalServer();
    return `${install.server} (with temporal-sql-tool and the PostgreSQL schema ${install.version})`;
  } catch (err) {
    if (!(err instanceof BuildToolsMissingError)) throw err;
    return 'not available: Go is not on PATH (npm run topology and its test need it; the test skips unless RAMPART_TOPOLOGY_TEST=1)';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const { devServer, testServer } = await provisionServers();
  console.log(`dev server (Temporal CLI): ${describe(devServer)}`);
  console.log(`time-skipping test server: ${describe(testServer)}`);
  console.log(`production Temporal server: ${await productionServer()}`);
  console.log(`cache: ${cacheRoot()}`);
  const address = existingClusterAddress();
  if (address) console.log(`note: TEMPORAL_ADDRESS=${address} is set, so callers use that cluster instead`);
  console.error(`[rampart] provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
