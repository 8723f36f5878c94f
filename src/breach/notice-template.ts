// The customer's breach notice, as plain text and HTML. Every value in it came
// from people (officers, customer lists), so the HTML escapes each one; the
// four contract elements each get their own heading so no reader can miss one.
import type { SendBreachNoticeInput } from '../domain/breach';
import { NOTICE_ELEMENTS } from './notice-elements';

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
}

export const DATA_AFFECTED_HEADING = 'Your data affected';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "22 November 2026 at 05:52 UTC": unambiguous for every reader, whatever their locale. */
export function formatVerifiedAt(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} at ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escaped, with blank lines as paragraphs and single line breaks kept. */
function htmlParagraphs(value: string): string {
  return value
    .trim()
    .split(/\r?\n\s*\r?\n/)
    .map((p) => `<p>${escapeHtml(p.trim()).replace(/\r?\n/g, '<br>\n')}</p>`)
    .join('\n');
}

/** Headers must be one line; a stray newline in a name must not end up there. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').trim();
}

export function renderBreachNotice(input: SendBreachNoticeInput, opts: { companyName: string }): RenderedNotice {
  const company = oneLine(opts.companyName);
  const reference = oneLine(input.incidentId);
  const verified = formatVerifiedAt(input.verifiedAt);
  const name = input.customer.name.trim();
  const subject = `Important: personal data breach notice from ${company} (ref ${reference})`;
  const intro =
    `We are writing to inform you of a personal data breach at ${company} that affects your data. ` +
    `We verified the breach on ${verified} and are notifying you without undue delay.`;
  const sections = [
    { heading: DATA_AFFECTED_HEADING, body: input.customer.dataAffected },
    ...NOTICE_ELEMENTS.map((e) => ({ heading: e.heading, body: input.notice[e.field] })),
  ];
  const closing = `Please quote the reference ${reference} in any correspondence about this notice.`;

  const text = [
    `Dear ${name},`,
    intro,
    `Incident reference: ${reference}\nBreach verified: ${verified}`,
    ...sections.map((s) => `${s.heading}\n${'-'.repeat(s.heading.length)}\n${s.body.trim()}`),
    closing,
    company,
  ].join('\n\n');

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 640px; margin: 0 auto; padding: 16px;">
<p>Dear ${escapeHtml(name)},</p>
<p>${escapeHtml(intro)}</p>
<table role="presentation" style="border-collapse: collapse; margin: 16px 0;">
<tr><th align="left" style="padding: 4px 16px 4px 0;">Incident reference</th><td>${escapeHtml(reference)}</td></tr>
<tr><th align="left" style="padding: 4px 16px 4px 0;">Breach verified</th><td>${escapeHtml(verified)}</td></tr>
</table>
${sections.map((s) => `<h2 style="font-size: 18px; margin: 24px 0 8px;">${escapeHtml(s.heading)}</h2>\n${htmlParagraphs(s.body)}`).join('\n')}
<p style="margin-top: 24px;">${escapeHtml(closing)}</p>
<p>${escapeHtml(company)}</p>
</body>
</html>
`;
  return { subject, text, html };
}
