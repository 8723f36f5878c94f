// Slack bot latency, measured end to end: signed requests in Slack's formats
// into the bot over HTTP, the bot's Web API calls into the fake Slack on
// loopback, incident workflows on a Temporal dev server, records in an
// embedded PostgreSQL. Measures and prints; asserts nothing. One run.
// The signed requests are sent from a child process, so the client's own work
// does not queue on the bot's event loop (Slack sends from elsewhere too).
//   1. `/incident` acknowledgement (HTTP request sent -> HTTP response; Slack
//      gives up after 3 s) under N concurrent commands, in rounds.
//   2. Declare modal submitted -> incident channel created and its summary
//      pinned, taken from the times the fake Slack recorded the calls.
//   npm run bench:slack [-- --rounds 12 --concurrency 50 --declares 20]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { openDatabase } from '../src/app/database';
import { startStack } from '../src/app/stack';
import { makeTempDataDir } from '../src/db/temp-data-dir';
import { createMailer } from '../src/mail/mailer';
import { loadPolicy } from '../src/policy/load';
import { startDevEnvironment } from '../src/temporal/servers';
import { startFakeSlackApi, type FakeSlackApi, type RecordedCall } from '../test/support/slack/fake-slack-api';
import { postSigned, slashCommand, stateValue, viewSubmission } from '../test/support/slack/signed-requests';

const args = z
  .object({
    rounds: z.coerce.number().int().min(1).default(12),
    concurrency: z.coerce.number().int().min(1).default(50),
    declares: z.coerce.number().int().min(1).default(20),
  })
  .parse(parseArgs({ options: { rounds: { type: 'string' }, concurrency: { type: 'string' }, declares: { type: 'string' } } }).values);

const SECRET = 'bench-signing-secret';
const SLACK_LIMIT_MS = 3000;
const USERS = Array.from({ length: 10 }, (_, i) => `U0BENCH${String(i).padStart(2, '0')}`);
const LEAD = 'U0LEAD';
const ONCALL = 'U0ONCALL';
const GENERAL = 'C0GENERAL';

// --- The client process: sends batches of signed requests at once, times each. ---

const CLIENT_ENV = 'RAMPART_BENCH_SLACK_CLIENT';

interface ClientJob {
  id: number;
  url: string;
  requests: { body: string; contentType: string }[];
}

interface Sent {
  /** Epoch ms when the request was sent. */
  sentAt: number;
  /** Request sent -> HTTP response received. */
  ackMs: number;
  /** HTTP status; 0 when the request failed. */
  status: number;
}

function runClient(): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (job: ClientJob) => {
    const sends = job.requests.map(async ({ body, contentType }): Promise<Sent> => {
      const sentAt = Date.now();
      const started = performance.now();
      let status = 0;
      try {
        status = (await postSigned(job.url, body, contentType, SECRET)).status;
      } catch {
        status = 0;
      }
      return { sentAt, ackMs: performance.now() - started, status };
    });
    void Promise.all(sends).then((results) => process.send?.({ id: job.id, results }));
  });
}

/** The bench's handle on the client process. */
class LoadClient {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (r: Sent[]) => void; reject: (e: Error) => void }>();

  private constructor(private readonly url: string) {
    // fork() reuses process.execArgv, so the child runs this file under tsx too.
    this.child = fork(__filename, [], { env: { ...process.env, [CLIENT_ENV]: '1' } });
    this.child.on('message', (m: { id: number; results: Sent[] }) => {
      this.waiting.get(m.id)?.resolve(m.results);
      this.waiting.delete(m.id);
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the client process exited (${code})`));
      this.waiting.clear();
    });
  }

  static async start(url: string): Promise<LoadClient> {
    const client = new LoadClient(url);
    await new Promise<void>((resolve, reject) => {
      client.child.once('spawn', resolve);
      client.child.once('error', reject);
    });
    return client;
  }

  /** Sends all at once; resolves when every response is in. */
  send(requests: { body: string; contentType: string }[]): Promise<Sent[]> {
    const id = (this.next += 1);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, url: this.url, requests } satisfies ClientJob);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

// --- The bench. ---

type Kind = 'list' | 'status' | 'timeline';

interface CommandSample extends Sent {
  kind: Kind;
  /** The id of its response_url in the fake. */
  responseId: string;
  /** For status: the text that appears in the incident channel. */
  marker: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

function row(label: string, values: number[], extra = ''): string {
  const s = stats(values);
  return `${label.padEnd(46)}${String(s.n).padStart(5)}${ms(s.p50).padStart(10)}${ms(s.p99).padStart(10)}${ms(s.max).padStart(10)}  ${extra}`;
}

/**
 * Follows the fake's recorded calls: when each incident channel was created
 * (conversations.create) and when its summary was pinned (pins.add), by the
 * `at` the fake stamped on arrival. Calls are recorded before they are answered,
 * so unanswered ones are kept until their response is in.
 */
class SlackCallWatch {
  private seen = 0;
  private pending: RecordedCall[] = [];
  /** channel name -> id and creation time */
  readonly created = new Map<string, { id: string; at: number }>();
  /** channel id -> time its summary was pinned */
  readonly pinned = new Map<string, number>();

  constructor(private readonly fake: FakeSlackApi) {}

  scan(): void {
    const { calls } = this.fake;
    for (; this.seen < calls.length; this.seen += 1) {
      const call = calls[this.seen];
      if (call && (call.method === 'conversations.create' || call.method === 'pins.add')) this.pending.push(call);
    }
    this.pending = this.pending.filter((call) => {
      if (call.response === undefined) return true;
      const response = call.response as { ok?: boolean; channel?: { id?: string; name?: string } };
      if (response.ok !== true) return false;
      if (call.method === 'conversations.create' && response.channel?.id && response.channel.name) {
        this.created.set(response.channel.name, { id: response.channel.id, at: call.at });
      } else if (call.method === 'pins.add' && typeof call.args.channel === 'string' && !this.pinned.has(call.args.channel)) {
        this.pinned.set(call.args.channel, call.at);
      }
      return false;
    });
  }

  /** The channel created for a declare with this title slug, once its summary is pinned. */
  declared(slug: string): { channelId: string; createdAt: number; pinnedAt: number } | undefined {
    this.scan();
    for (const [name, { id, at }] of this.created) {
      if (!name.includes(`-${slug}-`)) continue;
      const pinnedAt = this.pinned.get(id);
      return pinnedAt === undefined ? undefined : { channelId: id, createdAt: at, pinnedAt };
    }
    return undefined;
  }
}

/** Polls every 10 ms until `check` returns something, or gives up. */
async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) return undefined;
    await sleep(10);
  }
}

/** Warnings of the Temporal SDK (e.g. "Task not found when completing"), counted instead of printed. */
const sdkWarnings = new Map<string, number>();

async function main(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      const seen = sdkWarnings.get(message) ?? 0;
      if (level === 'WARN') sdkWarnings.set(message, seen + 1);
      // Each kind once, with its details, so the table stays readable.
      if (level !== 'WARN' || seen === 0) process.stderr.write(`temporal sdk ${level}: ${message} ${JSON.stringify(meta ?? {})}\n`);
    }),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
  const benchStarted = performance.now();
  const fake = await startFakeSlackApi({
    users: [...USERS, LEAD, ONCALL].map((id) => ({ id, name: id.toLowerCase() })),
    channels: [{ id: GENERAL, name: 'general' }],
  });
  const temp = await makeTempDataDir('rampart-bench-slack-');
  mkdirSync(temp.dataDir, { mode: 0o711 }); // openDatabase keeps PostgreSQL in a subfolder
  const quiet = () => undefined;
  const database = await openDatabase({ dataDir: temp.dataDir, log: quiet });
  const mailer = createMailer({ outboxDir: `${temp.dataDir}/outbox`, log: quiet }); // declares send no mail here
  const env = await startDevEnvironment();
  const policy = loadPolicy();
  policy.incident.responders = [LEAD];
  policy.slack.onCallUsers = [ONCALL];
  const stack = await startStack({
    db: database.db,
    client: env.client,
    workerConnection: env.nativeConnection,
    namespace: 'default',
    taskQueue: `bench-slack-${process.pid}`,
    policy,
    connectors: [],
    mailer,
    run: 'all',
    slack: { botToken: 'xoxb-bench', signingSecret: SECRET, port: 0, host: '127.0.0.1', slackApiUrl: fake.url },
  });
  let client: LoadClient | undefined;
  try {
    const url = stack.slackUrl;
    if (!url) throw new Error('the Slack bot is not listening over HTTP');
    client = await LoadClient.start(url);
    const load = client;
    const setupSeconds = (performance.now() - benchStarted) / 1000;
    const watch = new SlackCallWatch(fake);

    const declareRequest = (title: string, user: string) =>
      viewSubmission({
        callbackId: 'incident_declare',
        userId: user,
        triggerId: fake.issueTriggerId(user),
        values: {
          title: { value: stateValue.plainText(title) },
          severity: { value: stateValue.staticSelect('SEV2') },
          summary: { value: stateValue.plainText(`${title}: measured by bench/slack-latency.ts`) },
          personal_data: { value: stateValue.staticSelect('no') },
        },
      });

    // The incident channel the in-channel commands run in, declared through the modal.
    await load.send([declareRequest('Bench commands target', USERS[0] ?? LEAD)]);
    const target = await until(() => watch.declared('bench-commands-target'), 30_000);
    if (!target) throw new Error('the incident channel for the commands was not created within 30 s');
    const incidentChannel = target.channelId;
    await until(async () => {
      const row = await database.db.slackChannel.findUnique({ where: { channelId: incidentChannel } });
      return row?.summaryTs ? row : undefined;
    }, 10_000);

    // 1. Slash-command acknowledgement under concurrency.
    let responseIds = 0;
    const KINDS: Kind[] = ['list', 'status', 'timeline'];
    /** `size` commands at once; the i-th is list, status, timeline in turn (from `first`). */
    const round = async (r: number, size = args.concurrency, first = 0): Promise<CommandSample[]> => {
      const planned = Array.from({ length: size }, (_, n) => {
        const i = first + n;
        const kind = KINDS[i % KINDS.length] ?? 'list';
        const user = USERS[i % USERS.length] ?? LEAD;
        const marker = `bench status r${r}-c${i} all quiet`;
        const id = `bench-${(responseIds += 1)}`;
        const request = slashCommand({
          userId: user,
          channelId: kind === 'list' ? GENERAL : incidentChannel,
          channelName: kind === 'list' ? 'general' : 'incident',
          text: kind === 'status' ? `status ${marker}` : kind,
          triggerId: fake.issueTriggerId(user),
          responseUrl: fake.responseUrl(id),
        });
        return { kind, responseId: id, marker, request };
      });
      const sent = await load.send(planned.map((p) => p.request));
      return planned.flatMap((p, i) => {
        const s = sent[i];
        return s ? [{ kind: p.kind, responseId: p.responseId, marker: p.marker, ...s }] : [];
      });
    };

    // The work after the ack: replies on the response_url (list, timeline) and
    // status updates posted in the incident channel.
    const statusPostedAt = () => {
      const at = new Map<string, number>();
      for (const m of fake.messages(incidentChannel)) {
        const marker = /bench status r-?\d+-c\d+ all quiet/.exec(m.text)?.[0];
        if (marker && !at.has(marker)) at.set(marker, Number(m.ts) * 1000);
      }
      return at;
    };
    const failed = (s: CommandSample) => fake.responsePosts(s.responseId).some((p) => JSON.stringify(p.body).includes(':warning:'));
    /** When the work after the ack showed its result (an error reply does not count). */
    const doneAt = (s: CommandSample, posted: Map<string, number>): number | undefined =>
      failed(s) ? undefined : s.kind === 'status' ? posted.get(s.marker) : fake.responsePosts(s.responseId)[0]?.at;
    /** Waits until the work after the ack of every answered command is done; returns seconds waited. */
    const drain = async (of: CommandSample[], timeoutMs: number): Promise<number> => {
      const started = performance.now();
      await until(() => {
        const posted = statusPostedAt();
        return of.every((s) => s.status !== 200 || failed(s) || doneAt(s, posted) !== undefined) ? true : undefined;
      }, timeoutMs);
      return (performance.now() - started) / 1000;
    };
    const followUp = (of: CommandSample[], kind: Kind) => {
      const posted = statusPostedAt();
      return of.flatMap((s) => {
        const at = s.kind === kind ? doneAt(s, posted) : undefined;
        return at === undefined ? [] : [at - s.sentAt];
      });
    };

    await drain(await round(0), 60_000); // warm-up (JIT, connection pools, first queries): not counted

    // Baseline: the same commands one at a time, each after the previous one's work is done.
    const single: CommandSample[] = [];
    for (let i = 0; i < 30; i += 1) {
      const one = await round(-1, 1, i);
      single.push(...one);
      await drain(one, 10_000);
    }

    const samples: CommandSample[] = [];
    // How long the bot's event loop (shared with the worker's activities and the fake) was held up.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const commandsStarted = performance.now();
    for (let r = 1; r <= args.rounds; r += 1) samples.push(...(await round(r)));
    const commandSeconds = (performance.now() - commandsStarted) / 1000;
    loopDelay.disable();
    // Waited for, so phase 2 starts on a quiet system.
    const drainSeconds = await drain(samples, 90_000);
    const posted = statusPostedAt();
    const all = [...single, ...samples];
    const failedReplies = all.filter(failed);
    const unfinished = all.filter((s) => s.status === 200 && !failed(s) && doneAt(s, posted) === undefined).length;
    const failedText = failedReplies.map((s) => (fake.responsePosts(s.responseId).at(-1)?.body as { text?: string }).text).find(Boolean);
    const failedKinds = KINDS.map((k) => `${failedReplies.filter((s) => s.kind === k).length} ${k}`).join(', ');

    // 2. Declare -> channel created and summary pinned.
    const declares = async (label: string, titles: string[], concurrent: boolean) => {
      const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const outcome = async (title: string, ack: Sent) => {
        const done = await until(() => watch.declared(slug(title)), 60_000);
        return { ...ack, created: done && done.createdAt - ack.sentAt, pinned: done && done.pinnedAt - ack.sentAt };
      };
      const requests = titles.map((title, i) => declareRequest(title, USERS[i % USERS.length] ?? LEAD));
      const results = [];
      if (concurrent) {
        const acks = await load.send(requests);
        results.push(...(await Promise.all(titles.map((title, i) => outcome(title, acks[i] ?? { sentAt: 0, ackMs: NaN, status: 0 })))));
      } else {
        for (const [i, title] of titles.entries()) {
          const [ack] = await load.send(requests.slice(i, i + 1));
          results.push(await outcome(title, ack ?? { sentAt: 0, ackMs: NaN, status: 0 }));
        }
      }
      return { label, results };
    };
    const titles = (tag: string) => Array.from({ length: args.declares }, (_, i) => `Bench declare ${tag} ${String(i).padStart(3, '0')}`);
    const sequential = await declares('sequential', titles('seq'), false);
    const concurrent = await declares(`${args.declares} concurrent`, titles('par'), true);

    // Report.
    const cpus = os.cpus();
    console.log(
      `Slack bot latency: one run on ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; ` +
        `bot, worker and fake Slack share one Node process, requests come from a child process, Temporal dev server and PostgreSQL run alongside.`,
    );
    console.log(
      `setup ${setupSeconds.toFixed(1)} s; commands: list in #general, status and timeline in one incident channel, in turn; ` +
        `one warm-up round of ${args.concurrency} not counted; the ${args.rounds} concurrent rounds took ${commandSeconds.toFixed(1)} s\n`,
    );
    console.log(`${''.padEnd(46)}${'n'.padStart(5)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
    const acks = (of: CommandSample[], kind?: Kind) => of.filter((s) => s.status !== 0 && (!kind || s.kind === kind)).map((s) => s.ackMs);
    const nonOk = (of: CommandSample[]) => `non-200: ${of.filter((s) => s.status !== 200).length}`;
    const followUps = (of: CommandSample[]) => {
      console.log(row('  list: send -> reply on response_url', followUp(of, 'list')));
      console.log(row('  timeline: send -> reply on response_url', followUp(of, 'timeline')));
      console.log(row('  status: send -> posted in incident channel', followUp(of, 'status')));
    };
    console.log('one at a time, each after the previous one finished');
    console.log(row('  /incident ack', acks(single), nonOk(single)));
    followUps(single);
    console.log(`${args.concurrency} concurrent, ${args.rounds} rounds back to back`);
    const over = samples.filter((s) => s.ackMs > SLACK_LIMIT_MS).length;
    console.log(row('  /incident ack', acks(samples), `> 3 s: ${over}; ${nonOk(samples)}`));
    for (const kind of KINDS) console.log(row(`    ${kind}${kind === 'list' ? ' (general channel)' : ' (incident channel)'}`, acks(samples, kind)));
    const loopMs = (p: number) => ms(loopDelay.percentile(p) / 1e6);
    console.log(`  (bot process event-loop delay during these rounds: p50 ${loopMs(50)}, p99 ${loopMs(99)}, max ${ms(loopDelay.max / 1e6)})`);
    followUps(samples);
    console.log(
      `  (after the last round: ${drainSeconds.toFixed(1)} s until all follow-up work was done; not done: ${unfinished}; ` +
        `error replies: ${failedReplies.length} (${failedKinds})${failedText ? `, e.g. "${failedText}"` : ''})\n`,
    );
    for (const { label, results } of [sequential, concurrent]) {
      const missing = results.filter((r) => r.pinned === undefined).length;
      const nums = (pick: (r: (typeof results)[number]) => number | undefined) =>
        results.flatMap((r) => {
          const v = pick(r);
          return v === undefined ? [] : [v];
        });
      console.log(row(`declare (${label}): view_submission ack`, nums((r) => r.ackMs), `non-200: ${results.filter((r) => r.status !== 200).length}`));
      console.log(row(`  submit -> channel created`, nums((r) => r.created)));
      console.log(row(`  submit -> channel + pinned summary`, nums((r) => r.pinned), missing ? `not done within 60 s: ${missing}` : ''));
    }
    const warned = [...sdkWarnings].map(([message, count]) => `${count} × "${message}"`).join('; ');
    console.log(`\nTemporal SDK warnings: ${warned || 'none'}`);
  } finally {
    client?.stop();
    await stack.stop();
    await mailer.close();
    await env.teardown();
    await database.stop();
    await temp.remove();
    await fake.stop();
  }
}

if (process.env[CLIENT_ENV]) {
  runClient();
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
