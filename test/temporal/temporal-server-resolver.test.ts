// How src/temporal/servers.ts finds the production Temporal server (resolveTemporalServer), without
// building the real one: each case gets its own cache dir and a PATH with only what it needs. The
// real build is exercised by test/app/production-topology.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildToolsMissingError, cachedServerPath, resolveTemporalServer } from '../../src/temporal/servers';

let tmp: string;
let cacheDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-server-resolver-'));
  cacheDir = path.join(tmp, 'cache');
  fs.mkdirSync(path.join(tmp, 'empty-bin'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: tmp, RAMPART_CACHE_DIR: cacheDir, PATH: path.join(tmp, 'empty-bin'), ...extra };
}

function writeExecutable(file: string, body = 'exit 0'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A folder laid out as a release (or a cache entry): both programs and the schema's versioned dirs. */
function serverFolder(dir: string, without: string[] = []): string {
  const server = writeExecutable(path.join(dir, 'temporal-server'));
  if (!without.includes('temporal-sql-tool')) writeExecutable(path.join(dir, 'temporal-sql-tool'));
  for (const part of ['temporal', 'visibility']) {
    if (!without.includes(part)) fs.mkdirSync(path.join(dir, 'schema', 'postgresql', 'v12', part, 'versioned'), { recursive: true });
  }
  return server;
}

/**
 * A stand-in `go`: `go build -o X` writes a tiny executable at X; `go list -m -f {{.Dir}}` prints a
 * read-only fake module holding a schema file, as the module cache does. Counts its builds.
 */
function fakeGo(): { env: NodeJS.ProcessEnv; builds: () => string[] } {
  const bin = path.join(tmp, 'fake-bin');
  const moduleDir = path.join(tmp, 'module');
  const schemaFile = path.join(moduleDir, 'schema', 'postgresql', 'v12', 'temporal', 'versioned', 'v1.0', 'schema.sql');
  fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
  fs.mkdirSync(path.join(moduleDir, 'schema', 'postgresql', 'v12', 'visibility', 'versioned'), { recursive: true });
  fs.writeFileSync(schemaFile, 'CREATE TABLE executions ();\n', { mode: 0o444 });
  const log = path.join(tmp, 'go-builds');
  writeExecutable(
    path.join(bin, 'go'),
    [
      `if [ "$1" = list ]; then echo '${moduleDir}'; exit 0; fi`,
      'out=; for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; pkg=$a; done',
      `echo "$pkg" >> '${log}'`,
      'sleep 1',
      `printf '#!/bin/sh\\necho fake\\n' > "$out" && chmod +x "$out"`,
    ].join('\n'),
  );
  const builds = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  return { env: isolatedEnv({ PATH: [bin, '/usr/bin', '/bin'].join(path.delimiter) }), builds };
}

it('builds temporal-server and temporal-sql-tool once into a versioned cache folder, with the PostgreSQL schema beside them', async () => {
  const { env, builds } = fakeGo();
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const [a, b] = await Promise.all([resolveTemporalServer({ env }), resolveTemporalServer({ env })]);
    const dir = path.dirname(cachedServerPath('temporal-server', env));
    expect(dir).toMatch(/temporal-server-v\d+\.\d+\.\d+$/);
    expect(a).toEqual(b);
    expect(a).toEqual({
      version: expect.stringMatching(/^v\d+\.\d+\.\d+$/),
      server: path.join(dir, 'temporal-server'),
      sqlTool: path.join(dir, 'temporal-sql-tool'),
      postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    });
    expect(builds()).toEqual(['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql']);
    // The schema is a writable copy (the module cache's files are read-only), and nothing else is left.
    const copied = path.join(a.postgresSchemaDir, 'temporal', 'versioned', 'v1.0', 'schema.sql');
    expect(fs.readFileSync(copied, 'utf8')).toContain('CREATE TABLE executions');
    expect(fs.statSync(copied).mode & 0o200).toBe(0o200); // the mode, not access(): root may write anything
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(dir)]);
  } finally {
    stderr.mockRestore();
  }
});

it('uses TEMPORAL_SERVER_PATH before the cache, and names what is missing beside it', async () => {
  serverFolder(path.dirname(cachedServerPath('temporal-server', isolatedEnv())));
  const explicit = serverFolder(path.join(tmp, 'release'));
  await expect(resolveTemporalServer({ env: isolatedEnv({ TEMPORAL_SERVER_PATH: explicit }) })).resolves.toMatchObject({
    server: explicit,
    sqlTool: path.join(tmp, 'release', 'temporal-sql-tool'),
  });

  const incomplete = serverFolder(path.join(tmp, 'incomplete'), ['temporal-sql-tool', 'visibility']);
  const failure = resolveTemporalServer({ env: isolatedEnv({ TEMPORAL_SERVER_PATH: incomplete }) });
  await expect(failure).rejects.toThrow(/missing beside it: temporal-sql-tool, schema\/postgresql\/v12\/visibility\/versioned/);
});

it('uses the cache without Go', async () => {
  const cached = serverFolder(path.dirname(cachedServerPath('temporal-server', isolatedEnv())));
  await expect(resolveTemporalServer({ env: isolatedEnv() })).resolves.toMatchObject({ server: cached });
});

it('without Go and nothing cached, fails with one clear error that says so', async () => {
  const failure = resolveTemporalServer({ env: isolatedEnv() });
  await expect(failure).rejects.toBeInstanceOf(BuildToolsMissingError);
  await expect(failure).rejects.toThrow(/^No Temporal server v[\d.]+ available/);
  await expect(failure).rejects.toThrow(/go not on PATH/);
  await expect(failure).rejects.toThrow(/TEMPORAL_SERVER_PATH/);
});
