// The breach part of the Slack app: `/incident breach ...` commands and the
// steps behind the breach buttons and modals. Every step is an update to the
// breach workflow, which checks who may do it; this file only talks to people.
import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { MAX_PAGE_LIMIT } from '../breach/customer-lists';
import { CsvError, parseCustomersCsv } from '../breach/customers-csv';
import { affectedCustomersSchema, customersToCsv, describeCustomerIssues } from '../breach/customers-schema';
import { breachPreviewMessage } from '../slack/breach-preview';
import { safeMrkdwn } from '../slack/mrkdwn';
import { mention } from '../slack/summary-message';
import { breachWorkflowId, type CustomerInput } from '../workflows/breach/messages';
import type { BreachState } from '../workflows/breach/state';
import { CSV_FIELD_MAX, breachChangesModal, breachCustomersModal, breachNoticeModal } from './breach-views';
import type { BreachCommand } from './command-parser';
import type { BotDeps } from './bot-deps';
import { withPendingModal, type PendingModal } from './pending-modal';
import { UserFacingError } from './user-facing-error';

/** Customers (and rejected addresses) a Slack answer lists before it sums up the rest. */
const SHOWN = 20;

export interface SlackContext {
  client: WebClient;
  triggerId: string;
  /** The incident's channel, where breach steps are announced. */
  channelId: string;
  /** A modal already opened with the trigger_id, for a command that shows a form. */
  modal?: PendingModal;
}

/** The breach commands that show a form, with the form's title. */
export const BREACH_FORM_TITLES: Partial<Record<BreachCommand['action'], string>> = {
  customers: 'Affected customers',
  notice: 'Breach notice',
};

export async function runBreachCommand(deps: BotDeps, incidentId: string, actor: string, cmd: BreachCommand, ctx: SlackContext) {
  const breachId = breachWorkflowId(incidentId);
  switch (cmd.action) {
    case 'suspected':
      await deps.incidents.suspectBreach(incidentId, { actor });
      return `Breach suspected on ${incidentId}. A privacy/security officer confirms it with \`/incident breach verify\` or the *Verify breach* button.`;
    case 'verify': {
      const state = await deps.incidents.verifyBreach(incidentId, { actor });
      return (
        `Breach verified: every affected customer must have the notice by ${state.breach?.notifyBy}. ` +
        'Next: `/incident breach customers` (who is affected), `/incident breach notice` (what they are told), then an officer approves the preview.'
      );
    }
    case 'customers':
      await openCustomersModal(deps, breachId, ctx);
      return undefined;
    case 'notice':
      await openNoticeModal(deps, breachId, ctx);
      return undefined;
    case 'preview':
      await postPreview(deps, await deps.breaches.get(breachId), ctx);
      return undefined;
    case 'approve':
      await approve(deps, breachId, actor, ctx);
      return undefined;
    case 'correct':
      return correctContact(deps, breachId, actor, cmd.email, cmd.newEmail);
    case 'authority': {
      const state = await deps.breaches.authorityNotified(breachId, { actor, reference: cmd.reference });
      return `Recorded: supervisory authority notified (ref ${cmd.reference}) at ${state.authority.notifiedAt}; deadline was ${state.authorityDeadline}.`;
    }
    case 'status':
      return statusText(deps, breachId);
  }
}

/** Shows a form that needs loading first, in the modal opened for it (or one opened now). */
async function showForm(ctx: SlackContext, title: string, load: () => Promise<View>): Promise<void> {
  if (ctx.modal) return ctx.modal.show(await load());
  return withPendingModal(ctx.client, ctx.triggerId, title, async (modal) => modal.show(await load()));
}

export async function openCustomersModal(deps: BotDeps, breachId: string, ctx: SlackContext): Promise<void> {
  await showForm(ctx, BREACH_FORM_TITLES.customers ?? '', async () => {
    const b = await deps.breaches.get(breachId);
    if (b.approvedAt) throw new UserFacingError('The notice is approved and sending has started; the customer list can no longer change.');
    // The list is offered for editing only whole: a page of a long list, saved, would drop the rest.
    const csv = b.customers.length === b.page.customers ? customersToCsv(b.customers) : undefined;
    if (csv !== undefined && csv.length <= CSV_FIELD_MAX) return breachCustomersModal(breachId, csv);
    return breachCustomersModal(breachId, '', { customers: b.page.customers, contacts: b.page.contacts });
  });
}

export async function openNoticeModal(deps: BotDeps, breachId: string, ctx: SlackContext): Promise<void> {
  await showForm(ctx, BREACH_FORM_TITLES.notice ?? '', async () => {
    const b = await deps.breaches.get(breachId);
    if (b.approvedAt) throw new UserFacingError('The notice is approved and sending has started; it can no longer change.');
    return breachNoticeModal(breachId, b.notice);
  });
}

export function openChangesModal(breachId: string, ctx: SlackContext): Promise<unknown> {
  return ctx.client.views.open({ trigger_id: ctx.triggerId, view: breachChangesModal(breachId) });
}

/** Customers from CSV text, checked like the API checks them; throws CsvError with a message for people. */
export function customersFromCsv(csv: string): CustomerInput[] {
  const customers = parseCustomersCsv(csv);
  const checked = affectedCustomersSchema.safeParse(customers);
  if (!checked.success) throw new CsvError(describeCustomerIssues(checked.error, customers));
  return checked.data;
}

export async function postPreview(deps: BotDeps, b: BreachState & { page?: { customers: number; contacts: number } }, ctx: Pick<SlackContext, 'client' | 'channelId'>): Promise<void> {
  await ctx.client.chat.postMessage({ channel: ctx.channelId, ...breachPreviewMessage(b, deps.policy.breach.companyName) });
}

export async function approve(deps: BotDeps, breachId: string, actor: string, ctx: Pick<SlackContext, 'client' | 'channelId'>): Promise<BreachState> {
  const b = await deps.breaches.approve(breachId, { actor });
  await ctx.client.chat.postMessage({
    channel: ctx.channelId,
    text: `:outbox_tray: ${mention(actor)} approved the breach notice: sending to ${b.page.deliveries} contact(s) of ${b.page.customers} customer(s) now, deadline ${b.deadline}. \`/incident breach status\` shows where the notices stand.`,
  });
  return b;
}

async function correctContact(deps: BotDeps, breachId: string, actor: string, email: string, newEmail: string) {
  const b = await deps.breaches.get(breachId, { status: 'rejected', page: { offset: 0, limit: MAX_PAGE_LIMIT } });
  const rejected = b.deliveries.find((d) => d.email === email.toLowerCase());
  if (!rejected) {
    const list = b.deliveries.slice(0, SHOWN).map((d) => d.email);
    const more = b.page.deliveries > list.length ? ` and ${b.page.deliveries - list.length} more` : '';
    throw new UserFacingError(`No rejected notice to ${email}. ${list.length ? `Rejected: ${list.join(', ')}${more}` : 'No notice has been rejected.'}`);
  }
  await deps.breaches.correctContact(breachId, { actor, customerId: rejected.customerId, email: rejected.email, newEmail });
  return `Corrected: the notice goes to ${newEmail} instead of ${email} now.`;
}

async function statusText(deps: BotDeps, breachId: string): Promise<string> {
  // The first customers and their deliveries; a breach of thousands is summed up, not listed.
  const b = await deps.breaches.get(breachId, { page: { offset: 0, limit: SHOWN } });
  const counts = b.deliveryCounts ?? { total: 0, pending: 0, sent: 0, rejected: 0, replaced: 0, late: 0 };
  const lines = b.customers.map((c) => {
    const ds = b.deliveries.filter((d) => d.customerId === c.id);
    const state = ds.length ? ds.map((d) => `${safeMrkdwn(d.email)}: ${d.status}${d.late ? ' (LATE)' : ''}`).join(', ') : 'not sent';
    return `• ${c.id} ${safeMrkdwn(c.name)}: ${state}`;
  });
  if (b.page.customers > b.customers.length) lines.push(`…and ${b.page.customers - b.customers.length} more customer(s): \`GET /breaches/${breachId}?offset=${SHOWN}\` lists them all.`);
  const left = b.timeLeftMinutes >= 0 ? `${Math.floor(b.timeLeftMinutes / 60)} h ${b.timeLeftMinutes % 60} min left` : 'DEADLINE MISSED';
  const breakdown = [counts.pending && `${counts.pending} pending`, counts.rejected && `${counts.rejected} rejected`, counts.late && `${counts.late} late`].filter(Boolean);
  return [
    `*Breach ${breachId}*: customer notices due ${b.deadline} (${b.completedAt ? 'all delivered' : left})`,
    `Notice: ${b.approval.replace(/_/g, ' ')}; delivered ${counts.sent} of ${counts.total}${breakdown.length ? ` (${breakdown.join(', ')})` : ''}`,
    `Supervisory authority (GDPR Art. 33) by ${b.authorityDeadline}: ${b.authority.notifiedAt ? `notified, ref ${b.authority.reference}` : 'not yet notified (`/incident breach authority <reference>`)'}`,
    ...lines,
  ].join('\n');
}
