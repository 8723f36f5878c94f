// Request bodies Slack sends to an app's request URL for slash commands and
// interactivity, in their real wire formats: a slash command is a plain form
// body; block_actions and view_submission are a form body with one field,
// `payload`, holding JSON. The payload objects are typed with Bolt's own types
// so the builders break when Bolt's idea of the format changes.
import { randomBytes } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand, UploadedFile, ViewOutput, ViewStateValue, ViewSubmitAction } from '@slack/bolt';
import { TEST_APP, TEST_TEAM } from './slack-ids';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** A body ready to sign and send, with the object it encodes for assertions. */
export interface BuiltRequest<P> {
  body: string;
  contentType: string;
  payload: P;
}

/**
 * Where respond() goes when a test gives no response_url: a closed loopback port,
 * so a stray POST fails fast instead of leaving the machine.
 */
export const UNUSED_RESPONSE_URL = 'http://127.0.0.1:9/hooks/unused';

function randomTriggerId(): string {
  return `${Date.now()}.47445629121.${randomBytes(16).toString('hex')}`;
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function interactive<P>(payload: P): BuiltRequest<P> {
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: FORM, payload };
}

export interface SlashCommandInput {
  command?: string;
  text?: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId?: string;
  triggerId?: string;
  responseUrl?: string;
}

export function slashCommand(input: SlashCommandInput): BuiltRequest<SlashCommand> {
  // Field order as Slack sends it (signing covers the raw body, so order is part of the format).
  const payload: SlashCommand = {
    token: TEST_APP.verificationToken,
    team_id: input.teamId ?? TEST_TEAM.id,
    team_domain: TEST_TEAM.domain,
    channel_id: input.channelId,
    channel_name: input.channelName ?? 'incidents',
    user_id: input.userId,
    user_name: input.userName ?? input.userId.toLowerCase(),
    command: input.command ?? '/incident',
    text: input.text ?? '',
    api_app_id: TEST_APP.appId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? UNUSED_RESPONSE_URL,
    trigger_id: input.triggerId ?? randomTriggerId(),
  };
  return { body: new URLSearchParams(payload as Record<string, string>).toString(), contentType: FORM, payload };
}

export interface BlockActionsInput {
  actionId: string;
  value?: string;
  blockId?: string;
  /** Button label; a block action payload repeats the element's text. */
  buttonText?: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  /** The message the button sits in, as Slack echoes it back (text/blocks). */
  message?: { text?: string; blocks?: unknown[]; user?: string; bot_id?: string };
  triggerId?: string;
  responseUrl?: string;
}

/** A click on a button in a message the bot posted. */
export function blockActions(input: BlockActionsInput): BuiltRequest<BlockAction<ButtonAction>> {
  const blockId = input.blockId ?? 'actions';
  const action: ButtonAction = {
    type: 'button',
    block_id: blockId,
    action_id: input.actionId,
    text: { type: 'plain_text', text: input.buttonText ?? input.actionId, emoji: true },
    ...(input.value !== undefined ? { value: input.value } : {}),
    action_ts: actionTs(),
  };
  const payload: BlockAction<ButtonAction> = {
    type: 'block_actions',
    user: { id: input.userId, username: input.userName ?? input.userId.toLowerCase(), name: input.userName ?? input.userId.toLowerCase(), team_id: TEST_TEAM.id },
    api_app_id: TEST_APP.appId,
    token: TEST_APP.verificationToken,
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channelId, is_ephemeral: false },
    trigger_id: input.triggerId ?? randomTriggerId(),
    team: { id: TEST_TEAM.id, domain: TEST_TEAM.domain },
    is_enterprise_install: false,
    channel: { id: input.channelId, name: input.channelName ?? 'incidents' },
    message: {
      type: 'message',
      ts: input.messageTs,
      user: input.message?.user ?? TEST_APP.botUserId,
      bot_id: input.message?.bot_id ?? TEST_APP.botId,
      text: input.message?.text ?? '',
      ...(input.message?.blocks ? { blocks: input.message.blocks } : {}),
    },
    state: { values: {} },
    response_url: input.responseUrl ?? UNUSED_RESPONSE_URL,
    actions: [action],
  };
  return interactive(payload);
}

export type ViewStateValues = ViewOutput['state']['values'];

export interface ViewSubmissionInput {
  callbackId: string;
  privateMetadata?: string;
  /** `view.state.values`: block_id → action_id → value (see the `stateValue` helpers). */
  values: ViewStateValues;
  userId: string;
  userName?: string;
  triggerId?: string;
  /** The view being submitted, e.g. one the fake recorded from views.open; its id/blocks/title are reused. */
  view?: Partial<ViewOutput>;
}

export function viewSubmission(input: ViewSubmissionInput): BuiltRequest<ViewSubmitAction> {
  const viewId = input.view?.id ?? `V0${randomBytes(4).toString('hex').toUpperCase()}`;
  const view: ViewOutput = {
    id: viewId,
    team_id: TEST_TEAM.id,
    type: 'modal',
    blocks: [],
    private_metadata: '',
    callback_id: input.callbackId,
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'Rampart', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: { type: 'plain_text', text: 'Submit', emoji: true },
    previous_view_id: null,
    root_view_id: viewId,
    app_id: TEST_APP.appId,
    external_id: '',
    app_installed_team_id: TEST_TEAM.id,
    bot_id: TEST_APP.botId,
    ...input.view,
    state: { values: input.values },
  };
  // Explicit inputs win over the reused view.
  view.callback_id = input.callbackId;
  if (input.privateMetadata !== undefined) view.private_metadata = input.privateMetadata;
  const payload: ViewSubmitAction = {
    type: 'view_submission',
    team: { id: TEST_TEAM.id, domain: TEST_TEAM.domain },
    user: { id: input.userId, name: input.userName ?? input.userId.toLowerCase(), team_id: TEST_TEAM.id },
    api_app_id: TEST_APP.appId,
    token: TEST_APP.verificationToken,
    trigger_id: input.triggerId ?? randomTriggerId(),
    view,
    response_urls: [],
    is_enterprise_install: false,
  };
  return interactive(payload);
}

/** Values of the input elements a modal commonly holds, in view.state.values shape. */
export const stateValue = {
  plainText: (value: string | null): ViewStateValue => ({ type: 'plain_text_input', value }),
  staticSelect: (value: string, text = value): ViewStateValue => ({
    type: 'static_select',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  usersSelect: (user: string | null): ViewStateValue => ({ type: 'users_select', selected_user: user }),
  multiUsersSelect: (users: string[]): ViewStateValue => ({ type: 'multi_users_select', selected_users: users }),
  conversationsSelect: (conversation: string | null): ViewStateValue => ({ type: 'conversations_select', selected_conversation: conversation }),
  files: (files: UploadedFile[]): ViewStateValue => ({ type: 'file_input', files }),
  checkboxes: (values: string[]): ViewStateValue => ({
    type: 'checkboxes',
    selected_options: values.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
  }),
};
