// No two files of src/ import each other, directly or round a longer circle
// (type-only imports count too: they tie the files' meanings together).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The src files a file imports by relative path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].flatMap(([, spec]) => {
    const target = path.resolve(path.dirname(file), spec ?? '');
    const found = [`${target}.ts`, path.join(target, 'index.ts')].find((candidate) => existsSync(candidate));
    return found ? [found] : [];
  });
}

function importCycles(files: string[], edges: (file: string) => string[]): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges(file)) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

test('src/ has no import circles', () => {
  const cycles = importCycles(sourceFiles(SRC), importsOf).map((c) => c.map((f) => path.relative(SRC, f)).join(' -> '));
  expect(cycles).toEqual([]);
});

test('the check finds a circle when there is one', () => {
  const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'] };
  expect(importCycles(Object.keys(graph), (f) => graph[f] ?? [])).toEqual([['a', 'b', 'c', 'a']]);
});
