// The breach notice as officers review it in Slack: exactly what the first
// affected customer will receive, what is still missing, the clock, and the
// Approve / Request changes buttons while it is not yet approved.
import type { KnownBlock } from '@slack/types';
import { missingNoticeElements } from '../breach/notice-elements';
import { renderBreachNotice } from '../breach/notice-template';
import type { BreachState } from '../workflows/breach/state';
import { ACTION } from './action-ids';
import { safeMrkdwn } from './mrkdwn';
import { mention, slackCountdown, slackDate } from './summary-message';

const SECTION_LIMIT = 2900; // Slack allows 3000 characters in a section

/** `page`: a breach read a page at a time (BreachService) says how many there are in all. */
export function breachPreviewMessage(
  b: BreachState & { page?: { customers: number; contacts: number } },
  companyName: string,
): { text: string; blocks: KnownBlock[] } {
  const customers = b.page?.customers ?? b.customers.length;
  const contacts = b.page?.contacts ?? b.customers.reduce((n, c) => n + c.contacts.length, 0);
  const missing = b.notice ? missingNoticeElements(b.notice) : ['the whole notice'];
  const first = b.customers[0];
  const state = b.approvedAt
    ? `:white_check_mark: approved by ${mention(b.approvedBy)} ${slackDate(b.approvedAt)}`
    : b.changesRequested
      ? `:pencil2: changes requested by ${mention(b.changesRequested.by)}: ${safeMrkdwn(b.changesRequested.comment)}`
      : ':hourglass_flowing_sand: awaiting approval by a privacy/security officer';

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Breach notice for review: ${b.incidentId}`.slice(0, 150) } },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Due to every customer by ${slackCountdown(b.deadline)}` },
        { type: 'mrkdwn', text: `${customers} customer(s), ${contacts} contact(s)` },
        { type: 'mrkdwn', text: state },
      ],
    },
  ];
  if (b.notice && first) {
    const { subject, text } = renderBreachNotice(
      { key: 'preview', breachId: b.id, incidentId: b.incidentId, customer: first, email: first.contacts[0] ?? '', notice: b.notice, verifiedAt: b.verifiedAt },
      { companyName },
    );
    const body = `*${safeMrkdwn(subject)}*\n_To ${safeMrkdwn(first.name)} (${first.contacts.length} contact(s)); each customer’s own affected data is filled in._\n\`\`\`${safeMrkdwn(text)}\`\`\``;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: body.length > SECTION_LIMIT ? `${body.slice(0, SECTION_LIMIT - 4)}…\`\`\`` : body } });
  } else {
    const what = [!b.notice ? 'no notice is drafted (`/incident breach notice`)' : '', !first ? 'no affected customers are recorded (`/incident breach customers`)' : '']
      .filter(Boolean)
      .join(' and ');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `Nothing to preview yet: ${what}.` } });
  }
  if (b.notice && missing.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:no_entry: Cannot be approved: the notice must state ${missing.join(', ')}.` } });
  }
  if (!b.approvedAt) {
    blocks.push({
      type: 'actions',
      block_id: 'breach_review',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Approve and send' },
          style: 'primary',
          action_id: ACTION.breachApprove,
          value: b.id,
          confirm: {
            title: { type: 'plain_text', text: 'Send the breach notice?' },
            text: { type: 'mrkdwn', text: `Rampart emails this notice to ${contacts} contact(s) of ${b.customers.length} customer(s) now. This cannot be undone.` },
            confirm: { type: 'plain_text', text: 'Approve and send' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', text: { type: 'plain_text', text: 'Request changes' }, action_id: ACTION.breachRequestChanges, value: b.id },
      ],
    });
  }
  return { text: `Breach notice for ${b.incidentId}: ${b.approvedAt ? 'approved' : 'for review'}`, blocks };
}
