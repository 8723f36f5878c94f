// The migrations must produce exactly what prisma/schema.prisma describes: the
// check applies them to a scratch database and asks Prisma's schema engine for
// the SQL still missing. (It runs in a child process because the engine is an
// ES module with WebAssembly, which Jest's module sandbox cannot load.)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runTsx } from './helpers/run-script';

const CHECK = path.join(REPO_ROOT, 'scripts', 'db-check-drift.ts');
const SCHEMA = path.join(REPO_ROOT, 'prisma', 'schema.prisma');

describe('schema drift', () => {
  it('the migrations produce exactly prisma/schema.prisma', async () => {
    const result = await runTsx(CHECK);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.stdout).toContain('the migrations produce exactly the schema');
    expect(result.code).toBe(0);
  });

  describe('catches a schema change that has no migration', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'rampart-drift-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function checkWith(edit: (schema: string) => string) {
      const original = await readFile(SCHEMA, 'utf8');
      const edited = edit(original);
      expect(edited).not.toEqual(original); // the edit must have applied
      const file = path.join(dir, `schema-${Math.random().toString(36).slice(2)}.prisma`);
      await writeFile(file, edited);
      return runTsx(CHECK, ['--schema', file]);
    }

    it.each([
      ['a new field', (s: string) => s.replace(/(model Incident \{\n)/, '$1  reopenedCount Int @default(0)\n'), /ADD COLUMN\s+"reopenedCount"/],
      ['a changed default', (s: string) => s.replace('@default("manual")', '@default("alert")'), /SET DEFAULT 'alert'/],
      ['a dropped index', (s: string) => s.replace('  @@index([dedupKey])\n', ''), /DROP INDEX "incidents_dedup_key_idx"/],
      ['a new enum value', (s: string) => s.replace('  SEV4\n', '  SEV4\n  SEV5\n'), /ADD VALUE 'SEV5'/],
    ])('%s', async (_name, edit, expected) => {
      const result = await checkWith(edit);
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(expected);
    });
  });
});
