import path from 'node:path';

/** Where a run leaves its JSON line for bench/chaos.ts to print. */
export function resultFile(runDir: string): string {
  return path.join(runDir, 'result.json');
}
