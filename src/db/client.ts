// Rampart's database client: the generated Prisma Client over node-postgres via
// @prisma/adapter-pg, so no Prisma engine binary is needed at run time.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client';

export type Db = PrismaClient;
/** The `tx` handed to `db.$transaction(async (tx) => …)`. */
export type DbTransaction = Prisma.TransactionClient;

/** A client for `databaseUrl`. Call `$disconnect()` when done; it closes the pool. */
export function createPrismaClient(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
