// The database Rampart runs on: DATABASE_URL when given, otherwise an embedded
// PostgreSQL kept under the data directory (taking over from a killed earlier run's,
// see leftovers.ts). Migrated before use either way.
import path from 'node:path';
import { Client } from 'pg';
import { createPrismaClient, type Db } from '../db/client';
import { createDatabase, databaseUrl } from '../db/databases';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrate } from '../db/migrate';
import { stopLeftoverPostgres } from './leftovers';

export interface RunningDatabase {
  db: Db;
  /** Where it is, for humans: never includes the password. */
  description: string;
  stop(): Promise<void>;
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log: (line: string) => void;
}): Promise<RunningDatabase> {
  let url = opts.databaseUrl;
  let stopServer = async (): Promise<void> => undefined;
  let description = 'DATABASE_URL';
  if (!url) {
    const pgDataDir = path.join(opts.dataDir, 'postgres');
    await stopLeftoverPostgres(pgDataDir, opts.log);
    const pg = await startEmbeddedPostgres({ dataDir: pgDataDir, log: opts.log });
    stopServer = () => pg.stop();
    url = await ensureDatabase(pg.url, 'rampart');
    description = `embedded PostgreSQL in ${pg.dataDir} (127.0.0.1:${pg.port})`;
  }
  const { applied } = await migrate(url, { log: opts.log });
  opts.log(applied.length ? `database: applied ${applied.join(', ')}` : 'database: schema up to date');
  const db = createPrismaClient(url);
  return {
    db,
    description,
    stop: async () => {
      await db.$disconnect();
      await stopServer();
    },
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return databaseUrl(adminUrl, name);
  } finally {
    await client.end();
  }
  return createDatabase(adminUrl, name);
}
