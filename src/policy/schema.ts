import { z } from 'zod';
import { SEVERITIES } from '../domain/incident';
import { durationMs } from './duration';

const severity = z.enum(SEVERITIES);

const severityRule = z.strictObject({
  acknowledgeWithin: durationMs,
  statusUpdateEvery: durationMs,
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'holidays are dates written YYYY-MM-DD');

/** An IANA zone name this runtime's zone database knows (the workflows judge days with it). */
function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
const timeZone = z.string().refine(isKnownTimeZone, {
  error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}: use an IANA name such as Europe/Berlin or UTC`,
});

export const incidentPolicySchema = z.strictObject({
  severities: z.strictObject({
    SEV1: severityRule,
    SEV2: severityRule,
    SEV3: severityRule,
    SEV4: severityRule,
  }),
  escalation: z.strictObject({ chain: z.array(z.string().min(1)).min(1) }),
  roles: z
    .array(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'role names are lower-case words'))
    .min(1)
    .refine((roles) => roles.includes('commander'), 'roles must include "commander"'),
  responders: z.array(z.string().min(1)).default([]),
  postmortem: z.strictObject({
    dueAfterBusinessDays: z.number().int().min(1).max(60),
    remindBeforeDue: durationMs,
    overdueRemindEvery: durationMs,
    holidays: z.array(isoDate).default([]),
    timeZone: timeZone.default('UTC'),
  }),
  // An incident's run continues-as-new past this many history events (or earlier
  // when the server suggests it), well before Temporal's 51,200-event limit. At
  // least 20: a fresh run starts at 3 events and must get work done before handing over.
  continueAsNewAfterEvents: z.number().int().min(20).max(40_000).default(10_000),
});

export const breachPolicySchema = z.strictObject({
  customerNoticeWithin: durationMs,
  ladder: z.array(durationMs),
  executiveTarget: z.string().min(1),
  afterMissRemindEvery: durationMs,
  officers: z.array(z.string().min(1)).default([]),
  companyName: z.string().min(1),
  senderAddress: z.email(),
  authority: z.strictObject({ notifyWithin: durationMs, ladder: z.array(durationMs) }),
});

export const alertmanagerPolicySchema = z.strictObject({
  severityMap: z.record(z.string(), severity),
  default: severity,
});

const slackId = (prefix: string) => z.string().regex(new RegExp(`^[${prefix}][A-Z0-9]{2,}$`), `a Slack id starting with ${prefix.split('').join(' or ')}`);

export const slackPolicySchema = z.strictObject({
  onCallUsers: z.array(slackId('UW')).default([]),
  onCallUsergroup: slackId('S').nullable().default(null),
  escalationTargets: z.record(z.string(), slackId('CGUW')).default({}),
  timelineReaction: z.string().regex(/^[a-z0-9_+-]+$/, 'a reaction name without colons').default('pushpin'),
  channelPrefix: z.string().regex(/^[a-z0-9-]{1,20}$/, 'lower-case letters, digits and dashes').default('inc'),
});

export const notificationsPolicySchema = z.strictObject({
  fallbackEmails: z.array(z.email()).default([]),
});

export const policySchema = z.strictObject({
  incident: incidentPolicySchema,
  breach: breachPolicySchema,
  alertmanager: alertmanagerPolicySchema,
  slack: slackPolicySchema.default(() => slackPolicySchema.parse({})),
  notifications: notificationsPolicySchema.default(() => notificationsPolicySchema.parse({})),
});

/** Policy as the workflows see it: every duration already in milliseconds. */
export type Policy = z.output<typeof policySchema>;
export type IncidentPolicy = z.output<typeof incidentPolicySchema>;
export type AlertmanagerPolicy = z.output<typeof alertmanagerPolicySchema>;
export type SlackPolicy = z.output<typeof slackPolicySchema>;
export type BreachPolicy = z.output<typeof breachPolicySchema>;
/** What an incident workflow is started with: its own rules and, for breaches, theirs. */
export type IncidentWorkflowPolicy = IncidentPolicy & { breach?: BreachPolicy };
