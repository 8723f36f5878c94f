// One chaos run (see bench/chaos.ts, which starts this in a process of its own so
// that the Temporal dev server's own output cannot mix with the JSON line): the
// servers, the worker process, the breach and the command stream, the kills and
// the server restart, then the figures, written as one JSON line to
// <run-dir>/result.json. Exit 1 when a contact got no message or the run timed out.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { findFreePort } from '../../src/db/free-port';
import type { Severity } from '../../src/domain/incident';
import { killAll, processesOf } from '../../test/support/process-table';
import { startTestSmtpServer } from '../../test/support/smtp';
import { approveBreach, contactAddresses, declareIncident, prepareBreach } from './breach-scenario';
import { createCleanup, type Cleanup } from './cleanup';
import { startCommandStream, type Lane } from './incident-commands';
import { killWorkers, KILL_AFTER_READY_MS } from './kill-loop';
import { clockMailbox } from './mailbox-clock';
import { writeChaosPolicy } from './policy';
import { seededRandom, type Random } from './random';
import { chaosReport } from './report';
import { resultFile } from './result-file';
import { restartTemporal, type ServerRestartOutcome } from './server-restart';
import { startApi, startDatabase, startTemporal, type ChaosApi } from './services';
import { watchReminders } from './timeline-watch';
import { workerSupervisor } from './worker-process';

const args = z
  .object({
    contacts: z.coerce.number().int().min(1).default(1_000),
    kills: z.coerce.number().int().min(0).default(5),
    /** Seconds from the approval until every notice must be recorded sent. */
    timeout: z.coerce.number().int().min(10).default(900),
    seed: z.coerce.number().int().min(0).optional(),
    /** The run's own empty directory, made (and removed) by bench/chaos.ts. */
    'run-dir': z.string().min(1),
  })
  .parse(
    parseArgs({
      options: { contacts: { type: 'string' }, kills: { type: 'string' }, timeout: { type: 'string' }, seed: { type: 'string' }, 'run-dir': { type: 'string' } },
    }).values,
  );

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const seconds = (fromMs: number) => ((Date.now() - fromMs) / 1000).toFixed(1);

const DELIVERY_POLL_MS = 1_000;
/** After the last delivery, for records of the last commands to land. */
const SETTLE_MS = 3_000;

/** For a failed run's message: what the last worker printed. */
let lastWorkerOutput = () => '';

async function main(): Promise<number> {
  const seed = args.seed ?? Math.floor(Math.random() * 2 ** 31);
  let interrupted = false;
  const cleanup = createCleanup(log, (signal) => {
    // tsx's wrappers relay the terminal's signal: the same Ctrl-C can arrive more than once.
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything`);
    void cleanup.run().finally(() => process.exit(130));
  });
  try {
    return await run(seed, seededRandom(seed), cleanup);
  } finally {
    await cleanup.run();
  }
}

async function run(seed: number, random: Random, c: Cleanup): Promise<number> {
  const root = args['run-dir'];
  // Last resort for anything still naming the run's directory (servers, workers; not
  // this process, whose command line names it too).
  c.add('sweep leftover processes', async () => killAll(processesOf({ marker: root }).filter((p) => p.pid !== process.pid)));
  log(`run directory ${root}; seed ${seed}`);

  const database = await startDatabase(root, c, (line) => log(line));
  c.dropForeignSignalHandlers();
  const smtp = await startTestSmtpServer();
  c.add('stop the SMTP server', () => smtp.stop());
  const { file: policyFile, policy } = writeChaosPolicy(root);
  const temporal = await startTemporal(root, c);
  log(`Temporal dev server on ${temporal.address}`);

  const apiPort = await findFreePort();
  const startOurApi = () => startApi({ db: database.db, temporalAddress: temporal.address, policy, port: apiPort, dir: root });
  let api: ChaosApi = await startOurApi();
  c.add('stop the API', () => api.stop());
  c.dropForeignSignalHandlers();

  const workers = workerSupervisor(
    { temporalAddress: temporal.address, databaseUrl: database.url, smtpUrl: smtp.smtpUrl, policyFile, dataDir: path.join(root, 'worker'), marker: root },
    log,
  );
  c.add('kill the worker', () => workers.close());
  lastWorkerOutput = () => workers.lastOutput();
  let startedAt = Date.now();
  await workers.start();
  log(`worker ready in ${seconds(startedAt)} s`);

  const contacts = contactAddresses(args.contacts);
  const { incidentId, breachId } = await prepareBreach(api.url, contacts);
  const incidents: { id: string; severity: Severity; lane: Omit<Lane, 'incidentId'> }[] = [
    // The breach's incident gets notes only, so its status reminders come on cadence.
    { id: incidentId, severity: 'SEV1', lane: { statusUpdateShare: 0, acknowledgeAfterMs: random.between(10_000, 60_000) } },
    { id: await declareIncident(api.url, 'Checkout returns 500', 'SEV1'), severity: 'SEV1', lane: { statusUpdateShare: 0.15, acknowledgeAfterMs: random.between(10_000, 60_000) } },
    { id: await declareIncident(api.url, 'Search is slow', 'SEV2'), severity: 'SEV2', lane: { statusUpdateShare: 0.3, acknowledgeAfterMs: random.between(10_000, 60_000) } },
  ];
  const watch = watchReminders(database.db, incidents.map((i) => i.id), log);
  c.add('stop watching the timeline', () => watch.stop());
  const stream = startCommandStream(api.url, incidents.map((i) => ({ incidentId: i.id, ...i.lane })), seed, log);
  c.add('stop the command stream', async () => void stream.stop());

  const mailboxClock = clockMailbox(smtp.messages);
  c.add('stop timing the mailbox', async () => mailboxClock.stop());
  await approveBreach(api.url, breachId);
  const approvedAt = Date.now();
  log(`breach notice approved: ${contacts.length} contacts`);
  const sentSoFar = () => database.db.breachDelivery.count({ where: { breachId, status: 'sent' } });

  // Progress, once a second while sending: where the time goes around each kill.
  let lastSent = -1;
  const progress = setInterval(() => {
    void sentSoFar().then(
      (n) => {
        if (n !== lastSent && n <= contacts.length) log(`${seconds(approvedAt)} s: ${n}/${contacts.length} recorded sent`);
        lastSent = n;
      },
      () => undefined,
    );
  }, 1_000);
  c.add('stop the progress line', async () => clearInterval(progress));

  let restart: ServerRestartOutcome | undefined;
  const killed = await killWorkers({
    kills: args.kills,
    workers,
    random,
    progress: async () => ({ sent: await sentSoFar(), total: contacts.length }),
    inTheMiddle: async () => {
      await sleep(random.between(...KILL_AFTER_READY_MS));
      restart = await restartTemporal({
        temporal,
        api: () => api,
        restartApi: async () => {
          await api.stop();
          api = await startOurApi();
        },
        workers,
        probeIncidentId: incidents[2]?.id ?? incidentId,
        random,
        log,
      });
    },
    log,
  });

  const giveUpAt = approvedAt + args.timeout * 1000;
  let sent = await sentSoFar();
  while (sent < contacts.length && Date.now() < giveUpAt) {
    await sleep(DELIVERY_POLL_MS);
    sent = await sentSoFar();
  }
  clearInterval(progress);
  const timedOut = sent < contacts.length;
  log(timedOut ? `timed out: ${sent}/${contacts.length} recorded sent after ${args.timeout} s` : `all ${sent} recorded sent, ${seconds(approvedAt)} s after approval`);

  startedAt = Date.now();
  await stream.stop();
  await sleep(SETTLE_MS);
  await watch.stop();
  mailboxClock.stop();
  log(`command stream stopped in ${seconds(startedAt)} s`);

  const report = await chaosReport(database.db, {
    contacts,
    messages: smtp.messages,
    arrivals: mailboxClock.arrivals,
    approvedAtMs: approvedAt,
    events: [
      ...killed.killedAt.map((at) => ({ at, kind: 'kill' as const })),
      ...(restart ? [{ at: restart.stoppedAt, kind: 'server-restart' as const }] : []),
    ].sort((a, b) => a.at - b.at),
    breachId,
    breachIncidentId: incidentId,
    incidents,
    policy,
    firstSeen: watch.firstSeen,
    commands: stream.records,
    kills: killed.kills,
    killsWhileSending: killed.killsWhileSending,
    workerDownMs: killed.workerDownMs,
    serverDownSeconds: restart ? Math.round(restart.downSeconds * 10) / 10 : null,
    workerUnexpectedExits: workers.unexpectedExits(),
    serverRestarts: restart ? 1 : 0,
    apiReconnected: restart?.apiReconnected ?? null,
    workerReconnected: restart?.workerReconnected ?? null,
    timedOut,
    seed,
  });
  await writeFile(resultFile(root), `${JSON.stringify(report)}\n`);
  return report.lost > 0 || timedOut ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const worker = lastWorkerOutput().split('\n').slice(-40).join('\n');
    if (worker.trim() !== '') log(`the last worker's output ended with:\n${worker}`);
    process.exit(1);
  },
);
