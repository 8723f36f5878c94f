// `npm run rampart -- <command>`: operator commands that work on Rampart's data
// directly, beside the running service.
//
//   npm run rampart -- audit verify     checks the audit log's hash chain; exit 1 at a break
//
// The database is DATABASE_URL, or else the quick start's embedded PostgreSQL in
// RAMPART_DATA_DIR (started for the command; not while `npm start` runs on it:
// then ask the running Rampart, GET /audit/verify).
import { parseArgs } from 'node:util';
import { openDatabase } from '../app/database';
import { ConfigError, readEnv } from '../config/env';
import { verifyAuditChain } from '../db/audit-chain';

const USAGE = 'usage: npm run rampart -- audit verify';

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const command = positionals.join(' ');
  if (command !== 'audit verify') {
    process.stderr.write(`${command ? `unknown command "${command}"; ` : ''}${USAGE}\n`);
    return 2;
  }
  const env = readEnv();
  // Only problems are worth a line on stderr; the embedded server's progress is not.
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.dataDir, log: () => undefined });
  try {
    const report = await verifyAuditChain(database.db);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    if (!report.ok && report.firstBroken) {
      const { chainSeq, eventId, reason } = report.firstBroken;
      process.stderr.write(`audit verify: the chain breaks at row ${chainSeq} (${eventId}): ${reason}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof ConfigError || err instanceof TypeError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`rampart: ${message}\n${USAGE}\n`);
    process.exit(2);
  },
);
