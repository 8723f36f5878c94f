// The lint rules that keep workflow code deterministic actually fire.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const workflowFile = path.join(root, 'src/workflows/incident/business-days.ts');

// ESLint's flat config loads through dynamic import, which jest's VM lacks: run the CLI.
async function lint(code: string, filePath = workflowFile): Promise<string[]> {
  const bin = path.join(root, 'node_modules/eslint/bin/eslint.js');
  const run = spawnSync(process.execPath, [bin, '--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: root,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('workflow code may not import Node builtins, I/O libraries or read the clock', async () => {
  const messages = await lint(
    [
      "import { readFileSync } from 'node:fs';",
      "import { Client } from 'pg';",
      'export const a = readFileSync;',
      'export const b = Client;',
      'export const c = Date.now();',
      'export const d = Math.random();',
      'setTimeout(() => undefined, 1);',
    ].join('\n'),
  );
  expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(2);
  expect(messages.filter((m) => m.startsWith('no-restricted-properties'))).toHaveLength(2);
  expect(messages.filter((m) => m.startsWith('no-restricted-globals'))).toHaveLength(1);
});

test('floating promises are errors everywhere', async () => {
  const messages = await lint('async function f(): Promise<void> {}\nf();\n', path.join(root, 'src/main.ts'));
  expect(messages.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
});
