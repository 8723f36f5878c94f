// Temporal's two databases and their schemas, made by its own SQL tool exactly
// as docker-compose.yml's temporal-schema service makes them (admin-tools image):
//   temporal-sql-tool create-database
//   temporal-sql-tool setup-schema -v 0.0
//   temporal-sql-tool update-schema -d <schema>/postgresql/v12/<part>/versioned
// Connection settings go in the tool's environment (SQL_*), so the password is
// never on a command line.
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { TemporalServerInstall } from '../../src/temporal/servers';

export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Database name → folder under the schema dir. */
export const TEMPORAL_DATABASES = [
  ['temporal', 'temporal'],
  ['temporal_visibility', 'visibility'],
] as const;

/** temporal-sql-tool's arguments, in order, for one database whose versioned schema is in `versionedDir`. */
export function schemaSteps(versionedDir: string): string[][] {
  return [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', versionedDir]];
}

export async function createTemporalSchema(install: TemporalServerInstall, target: SqlTarget, logFile: string): Promise<void> {
  for (const [database, part] of TEMPORAL_DATABASES) {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: target.host,
      SQL_PORT: String(target.port),
      SQL_USER: target.user,
      SQL_PASSWORD: target.password,
      SQL_DATABASE: database,
    };
    const versioned = path.join(install.postgresSchemaDir, part, 'versioned');
    for (const args of schemaSteps(versioned)) {
      await sqlTool(install.sqlTool, args, env, logFile, database);
    }
  }
}

function sqlTool(tool: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, database: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      appendFileSync(logFile, `$ temporal-sql-tool ${args.join(' ')}  (database ${database})\n${stdout}${stderr}`, { mode: 0o600 });
      if (err) reject(new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${(stderr || stdout).trim().split('\n').slice(-5).join('\n')}`));
      else resolve();
    });
  });
}
