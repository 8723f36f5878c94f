// Modals the bot opens, and the zod parsers for what comes back from them.
import type { View } from '@slack/types';
import { z } from 'zod';
import { SEVERITIES } from '../domain/incident';
import { VIEW } from '../slack/action-ids';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

export function declareModal(title = ''): View {
  return {
    type: 'modal',
    callback_id: VIEW.declare,
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'title',
        label: plain('Title'),
        element: { type: 'plain_text_input', action_id: 'value', initial_value: title || undefined, max_length: 200, min_length: 3 },
      },
      {
        type: 'input',
        block_id: 'severity',
        label: plain('Severity'),
        element: {
          type: 'static_select',
          action_id: 'value',
          initial_option: { text: plain('SEV3'), value: 'SEV3' },
          options: SEVERITIES.map((s) => ({ text: plain(s), value: s })),
        },
      },
      {
        type: 'input',
        block_id: 'summary',
        optional: true,
        label: plain('Summary'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
      },
      {
        type: 'input',
        block_id: 'personal_data',
        label: plain('Personal data may be involved?'),
        element: {
          type: 'radio_buttons',
          action_id: 'value',
          initial_option: { text: plain('No'), value: 'no' },
          options: [
            { text: plain('No'), value: 'no' },
            { text: plain('Yes'), value: 'yes' },
          ],
        },
      },
    ],
  };
}

export function statusUpdateModal(incidentId: string): View {
  return {
    type: 'modal',
    callback_id: VIEW.statusUpdate,
    private_metadata: incidentId,
    title: plain('Status update'),
    submit: plain('Post'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'text',
        label: plain(`What is happening now (${incidentId})?`),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
      },
    ],
  };
}

// view.state.values[block_id][action_id]
const input = z.object({ value: z.object({ value: z.string().nullish() }) });
const select = z.object({ value: z.object({ selected_option: z.object({ value: z.string() }).nullish() }) });

export const declareSubmission = z
  .object({ title: input, severity: select, summary: input.optional(), personal_data: select })
  .transform((v, ctx) => {
    const title = v.title.value.value?.trim() ?? '';
    if (title.length < 3) ctx.addIssue({ code: 'custom', path: ['title'], message: 'Give the incident a title of at least 3 characters.' });
    const severity = z.enum(SEVERITIES).safeParse(v.severity.value.selected_option?.value);
    if (!severity.success) ctx.addIssue({ code: 'custom', path: ['severity'], message: 'Choose a severity.' });
    return {
      title,
      severity: severity.data ?? 'SEV3',
      summary: v.summary?.value.value?.trim() ?? '',
      personalData: v.personal_data.value.selected_option?.value === 'yes',
    };
  });

export const statusSubmission = z.object({ text: input }).transform((v) => v.text.value.value?.trim() ?? '');

/** Slack wants errors keyed by block id. */
export function viewErrors(error: z.ZodError): Record<string, string> {
  return Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'title'), i.message]));
}
