// Builds a workflow bundle in which some workflow files are copies of the real
// ones, optionally edited, so a test can show what a change without patched()
// does to the committed histories. The copies live under test/.mutants/ (git
// ignored, inside the repo so node_modules resolve); their relative imports are
// pointed back at the real src/workflows files.
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/temporal/worker';

const WORKFLOWS_DIR = path.dirname(WORKFLOWS_PATH);
const MUTANTS_DIR = path.join(__dirname, '../.mutants');

export interface CopiedFile {
  /** Relative to src/workflows, e.g. `incident/incident-workflow.ts`. */
  file: string;
  /** Edits the copy's source; the identity when omitted. */
  edit?: (source: string) => string;
}

/** Replaces `search` with `replacement`; throws unless it occurs exactly once, so an edit cannot silently do nothing. */
export function replaceOnce(source: string, search: string, replacement: string): string {
  const at = source.indexOf(search);
  if (at < 0) throw new Error(`edit: search text not found (has the workflow changed?):\n${search}`);
  if (source.indexOf(search, at + 1) >= 0) throw new Error(`edit: search text occurs more than once:\n${search}`);
  return source.slice(0, at) + replacement + source.slice(at + search.length);
}

/** `from './x'` / `from '../y'` in `source` (a file of `dir`) become absolute paths. */
function absoluteImports(source: string, dir: string): string {
  return source.replace(/(from\s+)(['"])(\.{1,2}\/[^'"]+)\2/g, (_match, from: string, quote: string, spec: string) => `${from}${quote}${path.resolve(dir, spec)}${quote}`);
}

/**
 * A bundle whose entry is src/workflows/index.ts with the given files swapped
 * for their copies. Removes the copies once bundled.
 */
export async function bundleWithCopies(name: string, copies: readonly CopiedFile[]): Promise<WorkflowBundleWithSourceMap> {
  const dir = path.join(MUTANTS_DIR, `${name}-${process.pid}`);
  await mkdir(dir, { recursive: true });
  try {
    const swapped = new Map<string, string>();
    for (const [i, copy] of copies.entries()) {
      const original = path.join(WORKFLOWS_DIR, copy.file);
      const source = absoluteImports(await readFile(original, 'utf8'), path.dirname(original));
      const target = path.join(dir, `copy-${i}-${path.basename(copy.file)}`);
      await writeFile(target, copy.edit ? copy.edit(source) : source);
      swapped.set(original.replace(/\.ts$/, ''), target.replace(/\.ts$/, ''));
    }
    // The real index, with its imports pointing at the copies where there are copies.
    const index = absoluteImports(await readFile(WORKFLOWS_PATH, 'utf8'), WORKFLOWS_DIR).replace(
      /(from\s+['"])([^'"]+)(['"])/g,
      (match, head: string, spec: string, tail: string) => (swapped.has(spec) ? `${head}${swapped.get(spec)}${tail}` : match),
    );
    if ([...swapped.values()].some((copy) => !index.includes(copy))) throw new Error('src/workflows/index.ts does not export a copied file');
    const indexFile = path.join(dir, 'index.ts');
    await writeFile(indexFile, index);
    return await bundleWorkflowCode({ workflowsPath: indexFile, logger: quiet });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rmdir(MUTANTS_DIR).catch(() => undefined); // only when no other copy is in use
  }
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};
