// A worker restarted after a crash takes its workflow bundle from disk instead of
// bundling again, and only a bundle built from exactly the same sources: any
// change to a source file or the lockfile names another file.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workflowBundle } from '../../src/temporal/worker';
import { BUNDLE_CACHE_DIR, bundleInputsHash } from '../../src/temporal/workflow-bundle-cache';

test('the cache key changes with any source file, a new file, or the lockfile', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'rampart-bundle-key-'));
  try {
    await mkdir(path.join(root, 'src', 'workflows'), { recursive: true });
    await writeFile(path.join(root, 'src', 'workflows', 'index.ts'), 'export const a = 1;\n');
    await writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    const first = await bundleInputsHash(root);
    expect(await bundleInputsHash(root)).toBe(first);

    await writeFile(path.join(root, 'src', 'workflows', 'index.ts'), 'export const a = 2;\n');
    const edited = await bundleInputsHash(root);
    expect(edited).not.toBe(first);

    await writeFile(path.join(root, 'src', 'domain.ts'), 'export type X = 1;\n');
    const added = await bundleInputsHash(root);
    expect(added).not.toBe(edited);

    await writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    expect(await bundleInputsHash(root)).not.toBe(added);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the bundle of the current sources is kept under their hash and is what a worker loads', async () => {
  const bundle = await workflowBundle();
  const file = path.join(BUNDLE_CACHE_DIR, `workflow-bundle-${await bundleInputsHash()}.js`);
  expect(await readFile(file, 'utf8')).toBe(bundle.code);
  expect(bundle.code).toContain('breachNotificationWorkflowV2');
});
