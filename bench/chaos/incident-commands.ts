// A stream of incident commands while the chaos happens: one lane per incident,
// each sending a command every few seconds through the HTTP API (a note, now
// and then a status update, and one acknowledgement), every one with its own
// Idempotency-Key and retried with it until answered. Each command's text is
// unique, so the timeline shows afterwards whether it was applied once.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiUnanswered, callApi } from './api-client';
import { seededRandom } from './random';

const COMMAND_GIVE_UP_MS = 180_000;
const PAUSE_MIN_MS = 1_500;
const PAUSE_MAX_MS = 4_000;

export interface Lane {
  incidentId: string;
  /** Share of commands that are status updates (the rest are notes); 0 leaves reminders to fire on cadence. */
  statusUpdateShare: number;
  /** The lane acknowledges its incident once, this long after the stream starts (acknowledgement escalations fire before). */
  acknowledgeAfterMs: number;
}

export type CommandKind = 'note' | 'status_update' | 'acknowledge';

export interface CommandRecord {
  incidentId: string;
  kind: CommandKind;
  /** The timeline text it should produce (unique per command; '' for acknowledge). */
  text: string;
  outcome: 'applied' | 'refused' | 'unanswered';
  /** HTTP requests it took (more than one: retried with the same key). */
  attempts: number;
}

export interface CommandStream {
  records: CommandRecord[];
  /** Lets each lane finish the command it is sending, then ends the stream. */
  stop(): Promise<void>;
}

/** Each lane draws from a generator of its own (seeded from `seed`), so a lane's choices do not depend on the others' timing. */
export function startCommandStream(apiUrl: string, lanes: readonly Lane[], seed: number, log: (line: string) => void): CommandStream {
  const records: CommandRecord[] = [];
  let stopping = false;
  let serial = 0;
  const startedAt = Date.now();

  async function send(incidentId: string, kind: CommandKind): Promise<void> {
    serial += 1;
    const text = kind === 'acknowledge' ? '' : `chaos ${kind === 'note' ? 'note' : 'status update'} #${serial}`;
    const [path, json] =
      kind === 'acknowledge'
        ? ['acknowledge', { actor: 'bob' }]
        : kind === 'note'
          ? ['notes', { actor: 'carol', text }]
          : ['status-updates', { actor: 'bob', text }];
    try {
      const answer = await callApi(apiUrl, { method: 'POST', path: `/incidents/${incidentId}/${path}`, json, giveUpAfterMs: COMMAND_GIVE_UP_MS });
      const outcome = answer.status < 300 ? 'applied' : 'refused';
      if (outcome === 'refused') log(`${kind} on ${incidentId} refused: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      records.push({ incidentId, kind, text, outcome, attempts: answer.attempts });
    } catch (err) {
      if (!(err instanceof ApiUnanswered)) throw err;
      log(err.message);
      records.push({ incidentId, kind, text, outcome: 'unanswered', attempts: 0 });
    }
  }

  async function run(lane: Lane, index: number): Promise<void> {
    const random = seededRandom(seed + 1 + index);
    let acknowledged = false;
    while (!stopping) {
      await sleep(random.between(PAUSE_MIN_MS, PAUSE_MAX_MS));
      if (stopping) break;
      if (!acknowledged && Date.now() - startedAt >= lane.acknowledgeAfterMs) {
        acknowledged = true;
        await send(lane.incidentId, 'acknowledge');
      } else {
        await send(lane.incidentId, random.next() < lane.statusUpdateShare ? 'status_update' : 'note');
      }
    }
  }

  const running = Promise.all(lanes.map((lane, index) => run(lane, index)));
  return {
    records,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}
