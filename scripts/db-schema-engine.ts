// Development-only access to Prisma's schema engine, compiled to WebAssembly
// (@prisma/schema-engine-wasm, the build Prisma 7.10.0 pins) and talking to
// PostgreSQL through @prisma/adapter-pg. We use it for one thing: the SQL that
// turns a database into what prisma/schema.prisma describes. That single
// operation both writes new migrations (scripts/db-new-migration.ts) and proves
// there is no drift (scripts/db-check-drift.ts). The native engine would do the
// same, but it cannot be downloaded everywhere we develop.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

export interface SchemaDiff {
  /** true when the database differs from the schema. */
  hasChanges: boolean;
  /** SQL that would make the database match the schema (a comment only when none is needed). */
  script: string;
}

// The slice of the WebAssembly API we use; our lib settings (ES2022, no DOM) and
// @types/node 20 do not declare it, though Node has it.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> & { __wbindgen_start(): void } } }>;
};

let loaded: Promise<void> | undefined;

// The package's entry point imports the .wasm file as an ES module, which only
// bundlers understand; instantiate it by hand and hand it to the generated glue.
function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
    const bytes = readFileSync(path.join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
    (glue as unknown as { __wbg_set_wasm(wasm: unknown): void }).__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
  })();
  return loaded;
}

// PostgreSQL's internal one-byte `"char"` type (OID 18; pg_class.relkind and friends)
// is not among the types adapter-pg maps, so every introspection query fails with
// "Column type 'char' could not be deserialized". pg already returns such values as
// strings; relabelling the column as text (OID 25) lets them through unchanged.
const CHAR_OID = 18;
const TEXT_OID = 25;

function relabelCharColumns<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as { fields?: { dataTypeID: number }[] } | undefined)?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

function relabelCharColumnsOf(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (err: Error | undefined, res: unknown) => void;
      args[callbackAt] = (err: Error | undefined, res: unknown) => callback(err, err ? res : relabelCharColumns(res));
      return query(...args);
    }
    const result = query(...args);
    return result instanceof Promise ? result.then(relabelCharColumns) : result;
  };
}

/** The SQL that would bring the database at `databaseUrl` to the state `schemaPath` describes. */
export async function diffDatabaseToSchema(databaseUrl: string, schemaPath: string): Promise<SchemaDiff> {
  await loadWasm();
  const schema = { path: path.basename(schemaPath), content: readFileSync(schemaPath, 'utf8') };
  // Our own pool, so we can patch its connections and are sure to close them: the
  // wasm engine does not dispose the adapter when it is freed.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('connect', relabelCharColumnsOf);
  pool.on('error', () => undefined);
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  try {
    const engine = await glue.SchemaEngine.new({ datamodels: [[schema.path, schema.content]] }, () => undefined, adapter);
    try {
      const result = await engine.diff({
        // The datasource of this schema is the adapter's database.
        from: { tag: 'schemaDatasource', files: [schema], configDir: path.dirname(schemaPath) },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
      return { hasChanges: result.exitCode === 2, script: result.stdout ?? '' };
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}
