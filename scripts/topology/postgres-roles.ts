// The database side of the topology, as docker-compose.yml's db-roles service
// sets it up: one login role per service, none of them a superuser. `temporal`
// may create databases (temporal-sql-tool creates its own two); `rampart` owns
// the `rampart` database, where Rampart applies its migrations at start.
import { Client } from 'pg';

export interface ServiceRoles {
  temporalPassword: string;
  rampartPassword: string;
}

export async function createServiceRoles(adminUrl: string, roles: ServiceRoles): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE ROLE temporal LOGIN CREATEDB PASSWORD ${client.escapeLiteral(roles.temporalPassword)}`);
    await client.query(`CREATE ROLE rampart LOGIN PASSWORD ${client.escapeLiteral(roles.rampartPassword)}`);
    await client.query('CREATE DATABASE rampart OWNER rampart');
  } finally {
    await client.end();
  }
}

/** A URL for `user` on the cluster of `adminUrl`, database `database`. Contains the password: do not log it. */
export function roleUrl(adminUrl: string, user: string, password: string, database: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs one query as `url`'s role and returns its rows. */
export async function queryAs<T extends object>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
