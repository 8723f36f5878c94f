// Proves that applying prisma/migrations yields exactly what prisma/schema.prisma
// describes, by asking Prisma's schema engine for the SQL between the two.
//   npx tsx scripts/db-check-drift.ts [--schema FILE] [--migrations DIR]
// Exit 0: no drift. Exit 2: drift; the SQL that is missing from the migrations is
// printed (put it in a new migration: scripts/db-new-migration.ts). Exit 1: error.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MIGRATIONS_DIR, SCHEMA_PATH } from './db-paths';
import { withMigratedScratchDatabase } from './db-scratch';
import { diffDatabaseToSchema } from './db-schema-engine';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { schema: { type: 'string' }, migrations: { type: 'string' } },
  });
  const schemaPath = path.resolve(values.schema ?? SCHEMA_PATH);
  const migrationsDir = path.resolve(values.migrations ?? MIGRATIONS_DIR);
  const diff = await withMigratedScratchDatabase(migrationsDir, (url) => diffDatabaseToSchema(url, schemaPath));
  if (!diff.hasChanges) {
    console.log('db-check-drift: the migrations produce exactly the schema');
    return 0;
  }
  console.log('db-check-drift: the migrations do not produce the schema; missing SQL:\n');
  console.log(diff.script);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('db-check-drift:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
