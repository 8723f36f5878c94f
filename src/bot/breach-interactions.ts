// Breach buttons (on the pinned summary and the notice preview) and the breach
// modals' submissions. Modal input is checked before the modal closes, so a bad
// CSV row or a missing notice element is shown next to the field.
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { CsvError } from '../breach/customers-csv';
import { breachNoticeSchema } from '../breach/notice-schema';
import { ACTION, VIEW } from '../slack/action-ids';
import { breachPreviewMessage } from '../slack/breach-preview';
import { downloadSlackFile, type DownloadOptions } from '../slack/download-file';
import { mention } from '../slack/summary-message';
import { incidentIdOfBreach } from '../workflows/breach/messages';
import { BREACH_FORM_TITLES, approve, customersFromCsv, openChangesModal, postPreview, runBreachCommand } from './breach-commands';
import { breachChangesSubmission, breachCustomersSubmission, breachNoticeSubmission } from './breach-views';
import { explainError } from './explain-error';
import type { BotDeps } from './bot-deps';
import { safeMrkdwn } from '../slack/mrkdwn';
import { withPendingModal, type PendingModal } from './pending-modal';
import type { Safely } from './safely';
import { UserFacingError } from './user-facing-error';

export interface BreachInteractionOptions {
  safely: Safely;
  log: (line: string) => void;
  /** How uploaded CSV files are fetched from Slack. */
  files: Omit<DownloadOptions, 'maxBytes' | 'timeoutMs'>;
}

const CSV_MAX_BYTES = 5 * 1024 * 1024;
// Slack closes a modal submission after 3 s: the download must leave time to answer.
const CSV_DOWNLOAD_TIMEOUT_MS = 2_000;

export function registerBreachInteractions(app: App, deps: BotDeps, opts: BreachInteractionOptions): void {
  const { safely, log } = opts;

  async function channelOf(incidentId: string): Promise<string> {
    const row = await deps.db.slackChannel.findUnique({ where: { incidentId }, select: { channelId: true } });
    if (!row) throw new UserFacingError(`No channel is known for ${incidentId}.`);
    return row.channelId;
  }

  type ButtonRun = (a: { value: string; userId: string; triggerId: string; client: WebClient; channelId: string; messageTs?: string }) => Promise<string | undefined>;
  const onButton = (actionId: string, run: ButtonRun) =>
    app.action(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const triggerId = 'trigger_id' in body && typeof body.trigger_id === 'string' ? body.trigger_id : '';
      const channelId = 'channel' in body && body.channel?.id ? body.channel.id : '';
      const messageTs = 'message' in body && body.message?.ts ? String(body.message.ts) : undefined;
      await safely(respond, () => run({ value, userId: body.user.id, triggerId, client: client as WebClient, channelId, messageTs }));
    });

  // On the pinned summary: the value is the incident id.
  // A button that shows a form opens it before anything is looked up: the trigger_id lives 3 s.
  const incidentButton = (actionId: string, action: 'suspected' | 'verify' | 'customers' | 'notice') =>
    onButton(actionId, async ({ value: incidentId, userId, triggerId, client }) => {
      const run = async (modal?: PendingModal) =>
        runBreachCommand(deps, incidentId, userId, { action }, { client, triggerId, channelId: await channelOf(incidentId), modal });
      const form = BREACH_FORM_TITLES[action];
      return form ? withPendingModal(client, triggerId, form, run) : run();
    });
  incidentButton(ACTION.breachSuspect, 'suspected');
  incidentButton(ACTION.breachVerify, 'verify');
  incidentButton(ACTION.breachCustomers, 'customers');
  incidentButton(ACTION.breachNotice, 'notice');

  // On the notice preview: the value is the breach id.
  onButton(ACTION.breachApprove, async ({ value: breachId, userId, client, channelId, messageTs }) => {
    const channel = channelId || (await channelOf(incidentIdOfBreach(breachId)));
    const b = await approve(deps, breachId, userId, { client, channelId: channel });
    if (messageTs) {
      // The preview now shows who approved, and no buttons.
      await client.chat.update({ channel, ts: messageTs, ...breachPreviewMessage(b, deps.policy.breach.companyName) }).catch(() => undefined);
    }
    return undefined;
  });
  onButton(ACTION.breachRequestChanges, async ({ value: breachId, client, triggerId, channelId }) => {
    await openChangesModal(breachId, { client, triggerId, channelId });
    return undefined;
  });

  /** After the modal closed, the outcome goes to the incident channel, a failure to the user. */
  async function afterSubmit(client: WebClient, userId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      await client.chat.postMessage({ channel: userId, text: explainError(err, log) }).catch(() => undefined);
    }
  }

  app.view(VIEW.breachCustomers, async ({ ack, view, body, client }) => {
    const breachId = view.private_metadata;
    const input = breachCustomersSubmission.safeParse(view.state.values);
    if (!input.success) {
      await ack({ response_action: 'errors', errors: { csv: 'Upload a CSV file or list the customers.' } });
      return;
    }
    const { file, csv } = input.data;
    const field = file ? 'file' : 'csv';
    let customers;
    try {
      const text = file ? await downloadSlackFile(file, { ...opts.files, maxBytes: CSV_MAX_BYTES, timeoutMs: CSV_DOWNLOAD_TIMEOUT_MS }) : csv;
      if (!text.trim()) throw new CsvError('upload a CSV file or list the customers');
      customers = customersFromCsv(text);
    } catch (err) {
      if (err instanceof CsvError || err instanceof UserFacingError) {
        await ack({ response_action: 'errors', errors: { [field]: err.message.slice(0, 300) } });
        return;
      }
      throw err;
    }
    await ack();
    await afterSubmit(client as WebClient, body.user.id, async () => {
      const b = await deps.breaches.setCustomers(breachId, { actor: body.user.id, customers });
      await (client as WebClient).chat.postMessage({
        channel: await channelOf(b.incidentId),
        text: `:busts_in_silhouette: ${mention(body.user.id)} recorded ${b.page.customers} affected customer(s), ${b.page.contacts} contact(s)${file ? ` from ${safeMrkdwn(file.name ?? 'a CSV file')}` : ''}.`,
      });
    });
  });

  app.view(VIEW.breachNotice, async ({ ack, view, body, client }) => {
    const breachId = view.private_metadata;
    const notice = breachNoticeSchema.safeParse(breachNoticeSubmission.parse(view.state.values));
    if (!notice.success) {
      const errors: Record<string, string> = {};
      for (const issue of notice.error.issues) errors[String(issue.path[0])] ??= issue.message;
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    await afterSubmit(client as WebClient, body.user.id, async () => {
      const b = await deps.breaches.setNotice(breachId, { actor: body.user.id, notice: notice.data });
      await postPreview(deps, b, { client: client as WebClient, channelId: await channelOf(b.incidentId) });
    });
  });

  app.view(VIEW.breachChanges, async ({ ack, view, body, client }) => {
    const comment = breachChangesSubmission.parse(view.state.values);
    if (!comment) {
      await ack({ response_action: 'errors', errors: { comment: 'Say what should change.' } });
      return;
    }
    await ack();
    await afterSubmit(client as WebClient, body.user.id, async () => {
      const b = await deps.breaches.requestChanges(view.private_metadata, { actor: body.user.id, comment });
      await (client as WebClient).chat.postMessage({
        channel: await channelOf(b.incidentId),
        text: `:pencil2: ${mention(body.user.id)} requested changes to the breach notice: ${comment}\nEdit it with \`/incident breach notice\`.`,
      });
    });
  });
}
