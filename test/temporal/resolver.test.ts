// Resolution order of src/temporal/servers.ts, without starting or really building any server:
// every case gets its own cache dir and a PATH that holds only what the case needs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cachedServerPath,
  cacheRoot,
  existingClusterAddress,
  resolveDevServerExecutable,
  resolveTestServerExecutable,
} from '../../src/temporal/servers';

let tmp: string;
let cacheDir: string;
let emptyBin: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rampart-resolver-'));
  cacheDir = path.join(tmp, 'cache');
  emptyBin = path.join(tmp, 'empty-bin');
  fs.mkdirSync(emptyBin);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An isolated environment: nothing cached, no build tools, no SDK download (it would work online). */
function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: tmp, RAMPART_CACHE_DIR: cacheDir, PATH: emptyBin, RAMPART_SKIP_SDK_DOWNLOAD: '1', ...extra };
}

function writeExecutable(file: string, body = 'exit 0'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('cache location and existing cluster', () => {
  it('prefers RAMPART_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheRoot({ RAMPART_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b', HOME: '/h' })).toBe('/a');
    expect(cacheRoot({ XDG_CACHE_HOME: '/b', HOME: '/h' })).toBe(path.join('/b', 'rampart'));
    expect(cacheRoot({ RAMPART_CACHE_DIR: ' ', HOME: '/h' })).toBe(path.join('/h', '.cache', 'rampart'));
  });

  it('uses versioned folders', () => {
    const env = { RAMPART_CACHE_DIR: '/c' };
    expect(cachedServerPath('dev-server', env)).toMatch(/^\/c\/temporal-cli-v\d+\.\d+\.\d+\/temporal$/);
    expect(cachedServerPath('test-server', env)).toMatch(
      /^\/c\/temporal-test-server-\d+\.\d+\.\d+\/temporal-test-server$/,
    );
  });

  it('reports TEMPORAL_ADDRESS only when set', () => {
    expect(existingClusterAddress({ TEMPORAL_ADDRESS: 'temporal:7233' })).toBe('temporal:7233');
    expect(existingClusterAddress({ TEMPORAL_ADDRESS: '' })).toBeUndefined();
    expect(existingClusterAddress({})).toBeUndefined();
  });
});

describe.each([
  ['dev-server', 'TEMPORAL_CLI_PATH', resolveDevServerExecutable, /go not on PATH/],
  ['test-server', 'TEMPORAL_TEST_SERVER_PATH', resolveTestServerExecutable, /mvn, java not on PATH/],
] as const)('%s resolution', (kind, envVar, resolve, missingTools) => {
  it('uses the explicit env var first, even when a cached build exists', async () => {
    const explicit = writeExecutable(path.join(tmp, 'explicit', 'server'));
    writeExecutable(cachedServerPath(kind, isolatedEnv()));
    await expect(resolve({ env: isolatedEnv({ [envVar]: explicit }) })).resolves.toEqual({
      type: 'existing-path',
      path: explicit,
    });
  });

  it('rejects an env var that points at nothing runnable', async () => {
    await expect(resolve({ env: isolatedEnv({ [envVar]: path.join(tmp, 'missing') }) })).rejects.toThrow(
      `${envVar}=${path.join(tmp, 'missing')} is not an executable file`,
    );
  });

  it('uses the cache when present, without trying the SDK download', async () => {
    const cached = writeExecutable(cachedServerPath(kind, isolatedEnv()));
    // RAMPART_SKIP_SDK_DOWNLOAD unset: a download attempt would start a server; the cache must win first.
    const env = isolatedEnv({ RAMPART_SKIP_SDK_DOWNLOAD: undefined });
    await expect(resolve({ env })).resolves.toEqual({ type: 'existing-path', path: cached });
  });

  it('fails with one clear error when nothing works', async () => {
    const failure = resolve({ env: isolatedEnv() });
    await expect(failure).rejects.toThrow(/^No Temporal .* available/);
    await expect(failure).rejects.toThrow(envVar);
    await expect(failure).rejects.toThrow(missingTools);
    await expect(failure).rejects.toThrow(/SDK download skipped/);
  });
});

describe('building into the cache', () => {
  // A stand-in `go` that writes a tiny executable where `-o` points, slowly, and counts its runs.
  function fakeGo(): { env: NodeJS.ProcessEnv; runs: () => number } {
    const bin = path.join(tmp, 'fake-bin');
    const counter = path.join(tmp, 'go-runs');
    writeExecutable(
      path.join(bin, 'go'),
      [
        `echo run >> '${counter}'`,
        'while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done',
        'sleep 1',
        `printf '#!/bin/sh\\necho fake temporal\\n' > "$out" && chmod +x "$out"`,
      ].join('\n'),
    );
    const runs = () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n').length : 0);
    return { env: isolatedEnv({ PATH: [bin, '/usr/bin', '/bin'].join(path.delimiter) }), runs };
  }

  it('builds once, atomically, even when two resolutions race', async () => {
    const { env, runs } = fakeGo();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const [a, b] = await Promise.all([resolveDevServerExecutable({ env }), resolveDevServerExecutable({ env })]);
      const expected = { type: 'existing-path', path: cachedServerPath('dev-server', env) };
      expect(a).toEqual(expected);
      expect(b).toEqual(expected);
      expect(runs()).toBe(1);
      // Only the finished entry is left: no temp folders, no lock file.
      expect(fs.readdirSync(cacheDir)).toEqual([path.basename(path.dirname(expected.path))]);
      const printed = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(printed).toMatch(/Building Temporal CLI v[\d.]+ from its Go module/);
    } finally {
      stderr.mockRestore();
    }
  });
});
