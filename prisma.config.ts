// Prisma 7 CLI configuration: the schema, the migrations directory and the URL
// that `prisma migrate …` talks to. Rampart itself never reads this file; at run
// time it migrates with src/db/migrate.ts and connects through @prisma/adapter-pg.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { z } from 'zod';

const env = z
  .object({
    // Optional: `prisma generate` (our postinstall) must work without a database.
    DATABASE_URL: z.string().min(1).optional(),
    PRISMA_SCHEMA_ENGINE_BINARY: z.string().min(1).optional(),
  })
  .parse(process.env);

// Prisma CLI flags that take a value, so their value is not mistaken for the command.
const FLAGS_WITH_VALUE = new Set(['--config', '--schema', '--telemetry-information']);

function cliCommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (FLAGS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function nativeSchemaEngineInstalled(): boolean {
  try {
    const enginesDir = path.dirname(require.resolve('@prisma/engines/package.json'));
    return readdirSync(enginesDir).some((name) => name.startsWith('schema-engine'));
  } catch {
    return false;
  }
}

// Every Prisma CLI command first makes sure the native schema engine is on disk and
// downloads it if not; where that download is impossible (no internet, or the
// @prisma/engines postinstall denied) even `prisma generate` fails, though generate
// never runs the engine. For generate only, and only when the real engine is absent,
// point Prisma at a stand-in that fails loudly if anything does run it. Migrate
// commands are left alone so they use the real engine or fail honestly.
if (
  cliCommand(process.argv.slice(2)) === 'generate' &&
  env.PRISMA_SCHEMA_ENGINE_BINARY === undefined &&
  !nativeSchemaEngineInstalled()
) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(__dirname, 'prisma', 'no-schema-engine.sh');
}

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: env.DATABASE_URL === undefined ? {} : { url: env.DATABASE_URL },
});
