// Issue 10, the chaos run, short: `npm run chaos` with 100 contacts and 2
// SIGKILLs of the worker (a process of its own) and one restart of the Temporal
// dev server, run as a child process the way a person runs it. Every contact
// must get its notice, the kills asked for must have happened, and nothing the
// run started may outlive it. Timings are the benchmark's to report, not ours
// to assert. The rules behind the figures are checked on their own below.
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lateReminders, mailboxFigures, type TimelineRow } from '../../bench/chaos/figures';
import { duplicatesByCause, extraCopies, mostDuplicatesFromOneKill } from '../../bench/chaos/mailbox-clock';
import type { ReceivedMessage } from '../support/smtp';
import { waitUntilGone } from '../support/process-table';
import { startTsx } from '../support/tsx-process';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

test('a chaos run of 100 contacts with 2 worker kills and a Temporal restart loses no notice and leaves nothing running', async () => {
  // The run makes its own directory in here; its servers and workers name it on their command lines.
  const parent = await mkdtemp(path.join(tmpdir(), 'rampart-chaos-smoke-'));
  await chmod(parent, 0o711);
  cleanups.push(() => rm(parent, { recursive: true, force: true }));
  const run = startTsx('bench/chaos.ts', { args: ['--contacts', '100', '--kills', '2', '--dir', parent], env: process.env, marker: parent });
  cleanups.push(() => run.kill());

  const exit = await run.exited;
  const line = /^\{"contacts":.*\}$/m.exec(run.output())?.[0];
  if (!line) throw new Error(`no result line from the chaos run (${exit.signal ?? exit.code}):\n${run.output().slice(-5000)}`);
  const result = JSON.parse(line) as Record<string, unknown>;

  expect(result).toMatchObject({ contacts: 100, delivered: 100, lost: 0, recordedSent: 100, kills: 2, serverRestarts: 1, timedOut: false });
  // One message at a time waits for its record (the mailer's commit slot), so a kill resends at most one.
  expect(result.mostDuplicatesFromOneKill).toBeLessThanOrEqual(1);
  expect(result.apiReconnected).toBe(true);
  expect(result.workerReconnected).toBe(true);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(await waitUntilGone({ marker: parent }, 30_000)).toEqual([]);
  expect(await readdir(parent)).toEqual([]);
}, 1_800_000);

describe('the chaos run figures', () => {
  const message = (to: string, messageId: string) => ({ to: [to], messageId }) as unknown as ReceivedMessage;

  test('a contact without a message is lost; a second copy under the same Message-ID is a duplicate, under another one it is counted apart', () => {
    const figures = mailboxFigures(
      [message('a@x.example', '<1@r>'), message('a@x.example', '<1@r>'), message('b@x.example', '<2@r>'), message('b@x.example', '<3@r>'), message('someone@else.example', '<9@r>')],
      ['a@x.example', 'B@x.example', 'c@x.example'],
    );
    expect(figures).toEqual({ delivered: 2, lost: 1, duplicateMessageIds: 1, contactsWithSeveralMessageIds: 1 });
  });

  test('an extra copy is put down to the first kill or server restart from just before the first copy arrived until the copy did', () => {
    const messages = [
      message('a@x.example', '<1@r>'),
      message('a@x.example', '<1@r>'),
      message('c@x.example', '<3@r>'),
      message('c@x.example', '<3@r>'),
      message('d@x.example', '<4@r>'),
      message('d@x.example', '<4@r>'),
    ];
    const arrivals = [3_500, 9_000, 7_500, 9_500, 14_000, 14_500];
    const events = [
      { at: 4_000, kind: 'kill' as const },
      { at: 8_000, kind: 'server-restart' as const },
      { at: 12_000, kind: 'kill' as const },
    ];
    const copies = extraCopies(messages, arrivals, events);
    expect(copies).toEqual([
      { firstMs: 3_500, copyMs: 9_000, cause: 'kill', causeAt: 4_000 },
      { firstMs: 7_500, copyMs: 9_500, cause: 'server-restart', causeAt: 8_000 },
      { firstMs: 14_000, copyMs: 14_500, cause: 'none' },
    ]);
    expect(duplicatesByCause(copies)).toEqual({ kill: 1, 'server-restart': 1, none: 1 });
    expect(mostDuplicatesFromOneKill(copies)).toBe(1);
    expect(mostDuplicatesFromOneKill([...copies, { firstMs: 3_600, copyMs: 9_100, cause: 'kill', causeAt: 4_000 }])).toBe(2);
    expect(mostDuplicatesFromOneKill([])).toBe(0);
  });

  test('a status reminder counts late when it is recorded more than 60 s after the last update or reminder plus the cadence', () => {
    const at = (s: number) => new Date(Date.UTC(2031, 2, 3, 9, 0, s));
    const rows: TimelineRow[] = [
      { id: 1n, kind: 'declared', occurredAt: at(0) },
      { id: 2n, kind: 'status_reminder', occurredAt: at(30) }, // due 30: on time
      { id: 3n, kind: 'status_update', occurredAt: at(45) },
      { id: 4n, kind: 'status_reminder', occurredAt: at(76) }, // due 75, first seen at 140: 65 s late
      { id: 5n, kind: 'status_reminder', occurredAt: at(106) }, // due 106, first seen at 166: 60 s, not late
    ];
    const seen = new Map([
      [2n, at(31).getTime()],
      [4n, at(140).getTime()],
      [5n, at(166).getTime()],
    ]);
    const check = (endSecond: number, stillOpen: boolean) =>
      lateReminders(rows, seen, { cadenceMs: 30_000, endMs: at(endSecond).getTime(), stillOpen, graceMs: 60_000 });
    expect(check(180, true)).toEqual({ recorded: 3, late: [{ dueMs: at(75).getTime(), occurredMs: at(76).getTime(), recordedMs: at(140).getTime() }], worstDelayMs: 65_000 });
    // Open, with the next reminder (due 136) missing 61 s after it was due: one more.
    expect(check(197, true).late).toHaveLength(2);
    expect(check(197, true).late[1]).toEqual({ dueMs: at(136).getTime(), occurredMs: null, recordedMs: null });
    expect(check(197, false).late).toHaveLength(1);
  });
});
