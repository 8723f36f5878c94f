// Breach modals (affected customers, the notice, a change request) and the zod
// parsers for what comes back from them. Each modal carries its breach id in
// private_metadata.
import type { View } from '@slack/types';
import { z } from 'zod';
import { NOTICE_ELEMENTS, NOTICE_ELEMENT_MAX_LENGTH } from '../breach/notice-elements';
import type { BreachNotice } from '../domain/breach';
import { VIEW } from '../slack/action-ids';

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });

/** What an element asks the officer to write. */
const NOTICE_HINTS: Record<keyof BreachNotice, string> = {
  nature: 'What happened, when, and which systems and data were involved.',
  impact: 'What the affected people and the customer may face as a result.',
  mitigation: 'What has been done, and what will be done, to contain it and prevent a repeat.',
  contact: 'Who answers questions: a name or role with an email address or phone number.',
};

/** Slack's limit for a multi-line text input. */
export const CSV_FIELD_MAX = 3000;

/** `tooLong`: the current list, too long to edit in the field; an upload replaces it. */
export function breachCustomersModal(breachId: string, csv: string, tooLong?: { customers: number; contacts: number }): View {
  return {
    type: 'modal',
    callback_id: VIEW.breachCustomers,
    private_metadata: breachId,
    title: plain('Affected customers'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'One row per contact: `customer,email,data_affected` (header row first). Rows of one customer are merged. ' +
            'Upload a CSV file *or* edit the list below; an upload replaces the list. Editable until sending starts.',
        ),
      },
      ...(tooLong
        ? [
            {
              type: 'context' as const,
              elements: [
                mrkdwn(`The current list has ${tooLong.customers} customer(s) and ${tooLong.contacts} contact(s), too long to edit here: upload a CSV to replace it.`),
              ],
            },
          ]
        : []),
      {
        type: 'input',
        block_id: 'file',
        optional: true,
        label: plain('CSV file'),
        element: { type: 'file_input', action_id: 'value', filetypes: ['csv', 'txt'], max_files: 1 },
      },
      {
        type: 'input',
        block_id: 'csv',
        optional: true,
        label: plain('Customers (CSV)'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, initial_value: csv || undefined, max_length: CSV_FIELD_MAX },
      },
    ],
  };
}

export function breachNoticeModal(breachId: string, notice: Partial<BreachNotice> | undefined): View {
  return {
    type: 'modal',
    callback_id: VIEW.breachNotice,
    private_metadata: breachId,
    title: plain('Breach notice'),
    submit: plain('Save draft'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: mrkdwn('Every affected customer receives this, with the data of theirs that was affected. All four parts are required by contract.'),
      },
      ...NOTICE_ELEMENTS.map((e) => ({
        type: 'input' as const,
        block_id: e.field,
        label: plain(e.heading),
        hint: plain(NOTICE_HINTS[e.field]),
        element: {
          type: 'plain_text_input' as const,
          action_id: 'value',
          multiline: true,
          // Slack caps modal inputs at 3000 characters.
          max_length: Math.min(NOTICE_ELEMENT_MAX_LENGTH, 3000),
          initial_value: notice?.[e.field] || undefined,
        },
      })),
    ],
  };
}

export function breachChangesModal(breachId: string): View {
  return {
    type: 'modal',
    callback_id: VIEW.breachChanges,
    private_metadata: breachId,
    title: plain('Request changes'),
    submit: plain('Send'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'comment',
        label: plain('What should change in the notice?'),
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 3000 },
      },
    ],
  };
}

// view.state.values[block_id][action_id]
const text = z.object({ value: z.object({ value: z.string().nullish() }) });
const uploadedFile = z.object({
  id: z.string(),
  name: z.string().nullish(),
  size: z.number().nullish(),
  url_private_download: z.string().nullish(),
  url_private: z.string().nullish(),
});
const files = z.object({ value: z.object({ files: z.array(uploadedFile).nullish() }) });

export type UploadedFile = z.infer<typeof uploadedFile>;

export const breachCustomersSubmission = z
  .object({ file: files.optional(), csv: text.optional() })
  .transform((v) => ({ file: v.file?.value.files?.[0], csv: v.csv?.value.value?.trim() ?? '' }));

export const breachNoticeSubmission = z
  .object({ nature: text, impact: text, mitigation: text, contact: text })
  .transform((v) => ({
    nature: v.nature.value.value ?? '',
    impact: v.impact.value.value ?? '',
    mitigation: v.mitigation.value.value ?? '',
    contact: v.contact.value.value ?? '',
  }));

export const breachChangesSubmission = z.object({ comment: text }).transform((v) => v.comment.value.value?.trim() ?? '');
