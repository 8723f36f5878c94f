// `/incident <subcommand> ...` text -> a typed command. Slack sends the text
// with user mentions escaped as <@U123|name> (the manifest sets should_escape).
import { SEVERITIES, type Severity } from '../domain/incident';

export type IncidentCommand =
  | { kind: 'help' }
  | { kind: 'declare'; title: string }
  | { kind: 'list' }
  | { kind: 'ack' }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'role'; role: string; userId: string }
  | { kind: 'status'; text: string }
  | { kind: 'mitigated'; note?: string }
  | { kind: 'resolve'; note?: string }
  | { kind: 'timeline' }
  | { kind: 'action-add'; title: string }
  | { kind: 'action-done'; actionId: string }
  | { kind: 'postmortem-done'; document: string }
  | { kind: 'close' }
  | { kind: 'breach'; breach: BreachCommand };

export type BreachCommand =
  | { action: 'suspected' | (typeof SIMPLE_BREACH_ACTIONS)[number] }
  | { action: 'correct'; email: string; newEmail: string }
  | { action: 'authority'; reference: string };

export type ParseResult = { ok: true; command: IncidentCommand } | { ok: false; error: string };

const fail = (error: string): ParseResult => ({ ok: false, error });
const ok = (command: IncidentCommand): ParseResult => ({ ok: true, command });

export function parseIncidentCommand(text: string): ParseResult {
  const trimmed = text.trim();
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const tail = trimmed.slice(word.length).trim();
  switch (word.toLowerCase()) {
    case '':
    case 'help':
      return ok({ kind: 'help' });
    case 'declare':
      return ok({ kind: 'declare', title: tail });
    case 'list':
      return ok({ kind: 'list' });
    case 'ack':
    case 'acknowledge':
      return ok({ kind: 'ack' });
    case 'severity':
    case 'sev': {
      const severity = (rest[0] ?? '').toUpperCase();
      return (SEVERITIES as readonly string[]).includes(severity)
        ? ok({ kind: 'severity', severity: severity as Severity })
        : fail(`"${rest[0] ?? ''}" is not a severity: use one of ${SEVERITIES.join(', ')}`);
    }
    case 'role': {
      const [role = '', who = ''] = rest;
      const user = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(who)?.[1];
      if (!role || !user) return fail('usage: /incident role <role> @person');
      return ok({ kind: 'role', role: role.toLowerCase(), userId: user });
    }
    case 'status':
      return tail ? ok({ kind: 'status', text: tail }) : fail('usage: /incident status <what is happening now>');
    case 'mitigated':
    case 'mitigate':
      return ok({ kind: 'mitigated', note: tail || undefined });
    case 'resolve':
    case 'resolved':
      return ok({ kind: 'resolve', note: tail || undefined });
    case 'timeline':
      return ok({ kind: 'timeline' });
    case 'action': {
      const [verb = '', ...words] = rest;
      if (verb === 'add' && words.length) return ok({ kind: 'action-add', title: words.join(' ') });
      if (verb === 'done' && /^A\d+$/i.test(words[0] ?? '')) return ok({ kind: 'action-done', actionId: (words[0] ?? '').toUpperCase() });
      return fail('usage: /incident action add <what to do>  or  /incident action done A1');
    }
    case 'postmortem': {
      const [verb = '', ...words] = rest;
      if (verb === 'done' && words.length) return ok({ kind: 'postmortem-done', document: words.join(' ') });
      return fail('usage: /incident postmortem done <link to or text of the postmortem>');
    }
    case 'close':
      return ok({ kind: 'close' });
    case 'breach': {
      const action = (rest[0] ?? '').toLowerCase();
      const args = rest.slice(1);
      const breach = (b: BreachCommand) => ok({ kind: 'breach', breach: b });
      if (action === 'suspected' || action === 'suspect') return breach({ action: 'suspected' });
      if (isSimpleBreachAction(action)) return breach({ action });
      if (action === 'correct') {
        const [email = '', newEmail = ''] = args.map(unwrapMailto);
        if (args.length === 2 && email.includes('@') && newEmail.includes('@')) return breach({ action: 'correct', email, newEmail });
        return fail('usage: /incident breach correct <rejected address> <correct address>');
      }
      if (action === 'authority') {
        if (args.length) return breach({ action: 'authority', reference: args.join(' ') });
        return fail('usage: /incident breach authority <the supervisory authority’s reference>');
      }
      return fail(`usage: /incident breach ${[...SIMPLE_BREACH_ACTIONS, 'suspected', 'correct', 'authority'].join(' | ')}`);
    }
    default:
      return fail(`unknown command "${word}". Try /incident help`);
  }
}

const SIMPLE_BREACH_ACTIONS = ['verify', 'customers', 'notice', 'preview', 'approve', 'status'] as const;
const isSimpleBreachAction = (a: string): a is (typeof SIMPLE_BREACH_ACTIONS)[number] => (SIMPLE_BREACH_ACTIONS as readonly string[]).includes(a);

/** Slack turns typed addresses into `<mailto:a@b.example|a@b.example>`. */
function unwrapMailto(word: string): string {
  const m = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/.exec(word);
  return m?.[1] ?? word;
}

export const HELP_TEXT = [
  '*Rampart incident commands*',
  '`/incident declare [title]` open the declare form (anywhere)',
  '`/incident list` open incidents',
  'In an incident channel:',
  '`/incident ack` acknowledge (you become commander if there is none)',
  '`/incident severity SEV1` change severity',
  '`/incident role commander @person` assign a role',
  '`/incident status <text>` post a status update',
  '`/incident mitigated [note]`, `/incident resolve [note]`',
  '`/incident timeline` show the timeline',
  '`/incident action add <text>`, `/incident action done A1` follow-up actions',
  '`/incident postmortem done <link or text>`, `/incident close`',
  '`/incident breach suspected` personal data may be breached; `/incident breach verify` (officer) starts the 24-hour customer notice clock',
  '`/incident breach customers` affected customers (form or CSV upload); `/incident breach notice` draft the notice',
  '`/incident breach preview` the notice for review, with Approve / Request changes; `/incident breach approve` (officer)',
  '`/incident breach status` deadline and every delivery; `/incident breach correct <rejected> <new address>`',
  '`/incident breach authority <reference>` record the GDPR Art. 33 notification of the supervisory authority',
].join('\n');
