// The workflow bundle, kept on disk between starts. Bundling takes seconds (more
// on a busy machine), and a worker restarted after a crash should poll again at
// once: every running breach waits for it. The file's name is a hash of every
// source file and the lockfile, so any change to the code makes a new bundle;
// a stale bundle (which would replay running workflows with old code) cannot be
// picked up.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where npm tools keep caches; removed with node_modules, so a reinstall starts afresh. */
export const BUNDLE_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'rampart');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(full);
      return /\.(ts|js|json)$/.test(e.name) ? [full] : [];
    }),
  );
  return nested.flat().sort();
}

/** A hash of everything the bundle can be built from: src/ (its own paths and contents) and the lockfile. */
export async function bundleInputsHash(root = REPO_ROOT): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...(await sourceFiles(path.join(root, 'src'))), path.join(root, 'package-lock.json')]) {
    const content = await readFile(file).catch(() => Buffer.alloc(0));
    hash.update(path.relative(root, file)).update('\0').update(content).update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * The bundle from the cache when one was built from the same inputs; otherwise
 * built and kept (best effort: an unwritable cache only costs the next start).
 */
export async function cachedWorkflowBundle(workflowsPath: string, logger: Parameters<typeof bundleWorkflowCode>[0]['logger']): Promise<WorkflowBundleWithSourceMap> {
  const file = path.join(BUNDLE_CACHE_DIR, `workflow-bundle-${await bundleInputsHash()}.js`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) return { code: cached, sourceMap: '' };
  const bundle = await bundleWorkflowCode({ workflowsPath, ...(logger ? { logger } : {}) });
  try {
    await mkdir(BUNDLE_CACHE_DIR, { recursive: true });
    // Written aside and renamed: a reader never sees half a bundle.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, bundle.code);
    await rename(partial, file);
    await dropOldBundles(file);
  } catch {
    // read-only install: bundle at every start
  }
  return bundle;
}

/** Bundles of earlier code, once nothing is likely to be starting from them. */
async function dropOldBundles(keep: string): Promise<void> {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of await readdir(BUNDLE_CACHE_DIR)) {
    const file = path.join(BUNDLE_CACHE_DIR, name);
    if (file === keep || !name.startsWith('workflow-bundle-')) continue;
    const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: Infinity }));
    if (mtimeMs < dayAgo) await rm(file, { force: true });
  }
}
