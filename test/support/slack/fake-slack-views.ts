// views.* of the fake Slack Web API. The part that matters most for a bot is
// the trigger_id rule: views.open/push need a trigger the platform issued a
// moment ago (Slack: 3 s; or, in tests, before the user's next action), usable
// once.
import { randomBytes } from 'node:crypto';
import { SlackApiError, isRecord } from './fake-slack-args';
import type { MethodContext, MethodHandler } from './fake-slack-context';
import type { FakeView, ViewRecord } from './fake-slack-model';

/** Slack's invalid_arguments answer, with the reason in response_metadata.messages. */
function invalidArguments(message: string): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

function consumeTrigger(ctx: MethodContext): { triggerId: string; userId?: string } {
  const triggerId = ctx.args.str('trigger_id');
  if (triggerId === undefined) throw invalidArguments('missing required field: trigger_id');
  const trigger = ctx.state.triggers.get(triggerId);
  if (!trigger) throw invalidArguments('invalid `trigger_id`');
  const expired =
    ctx.state.triggerExpiry === 'ttl' ? ctx.state.now() - trigger.issuedAt > ctx.state.triggerTtlMs : trigger.superseded === true;
  if (expired) throw new SlackApiError('expired_trigger_id');
  if (trigger.used) throw new SlackApiError('exchanged_trigger_id');
  trigger.used = true;
  return { triggerId, ...(trigger.userId ? { userId: trigger.userId } : {}) };
}

/** Reads and checks the `view` argument (JSON-encoded in a form field by @slack/web-api). */
function viewArg(ctx: MethodContext, expectedType?: string): Record<string, unknown> {
  const view = ctx.args.json('view', 'invalid_arguments');
  if (!isRecord(view)) throw invalidArguments('missing required field: view');
  if (typeof view.type !== 'string') throw invalidArguments('missing required field: type');
  if (expectedType && view.type !== expectedType) throw invalidArguments(`view type must be ${expectedType}`);
  if (view.type === 'modal' && !isRecord(view.title)) throw invalidArguments('missing required field: title');
  if (!Array.isArray(view.blocks)) throw invalidArguments('missing required field: blocks');
  if (view.blocks.length > 100) throw invalidArguments('no more than 100 items allowed [json-pointer:/view/blocks]');
  return view;
}

function newHash(ctx: MethodContext): string {
  return `${ctx.state.nowSeconds()}.${randomBytes(4).toString('hex')}`;
}

function buildView(ctx: MethodContext, input: Record<string, unknown>, id: string, previous?: FakeView): FakeView {
  const { teamId, appId, botId } = ctx.state.identity;
  const str = (key: string): string => (typeof input[key] === 'string' ? (input[key] as string) : '');
  return {
    id,
    team_id: teamId,
    type: str('type'),
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.submit !== undefined ? { submit: input.submit } : {}),
    ...(input.close !== undefined ? { close: input.close } : {}),
    blocks: structuredClone(input.blocks as unknown[]),
    private_metadata: str('private_metadata'),
    callback_id: str('callback_id'),
    external_id: str('external_id'),
    state: { values: {} },
    hash: newHash(ctx),
    clear_on_close: input.clear_on_close === true,
    notify_on_close: input.notify_on_close === true,
    root_view_id: previous?.root_view_id ?? id,
    previous_view_id: previous?.previous_view_id ?? null,
    app_id: appId,
    app_installed_team_id: teamId,
    bot_id: botId,
  };
}

function assertExternalIdFree(ctx: MethodContext, view: Record<string, unknown>, exceptId?: string): void {
  const externalId = view.external_id;
  if (typeof externalId !== 'string' || externalId === '') return;
  for (const record of ctx.state.views.values()) {
    if (record.view.external_id === externalId && record.view.id !== exceptId) throw new SlackApiError('duplicate_external_id');
  }
}

function openOrPush(via: 'views.open' | 'views.push'): MethodHandler {
  return (ctx) => {
    const input = viewArg(ctx, 'modal');
    assertExternalIdFree(ctx, input);
    const trigger = consumeTrigger(ctx);
    const view = buildView(ctx, input, ctx.state.nextId('V'));
    ctx.state.views.set(view.id, { view, via, ...trigger });
    return { view };
  };
}

function findView(ctx: MethodContext): ViewRecord {
  const viewId = ctx.args.str('view_id');
  const externalId = ctx.args.str('external_id');
  if (viewId === undefined && externalId === undefined) throw invalidArguments('either view_id or external_id is required');
  for (const record of ctx.state.views.values()) {
    if (viewId !== undefined ? record.view.id === viewId : record.view.external_id === externalId) return record;
  }
  throw new SlackApiError('not_found');
}

function checkHash(ctx: MethodContext, current: FakeView): void {
  const hash = ctx.args.str('hash');
  if (hash !== undefined && hash !== current.hash) throw new SlackApiError('hash_conflict');
}

const update: MethodHandler = (ctx) => {
  const record = findView(ctx);
  const input = viewArg(ctx);
  checkHash(ctx, record.view);
  assertExternalIdFree(ctx, input, record.view.id);
  record.view = buildView(ctx, input, record.view.id, record.view);
  return { view: record.view };
};

const publish: MethodHandler = (ctx) => {
  const userId = ctx.args.need('user_id', 'user_not_found');
  const input = viewArg(ctx, 'home');
  const existingId = ctx.state.homeViews.get(userId);
  const existing = existingId === undefined ? undefined : ctx.state.views.get(existingId);
  if (existing) checkHash(ctx, existing.view);
  const view = buildView(ctx, input, existing?.view.id ?? ctx.state.nextId('V'));
  ctx.state.views.set(view.id, { view, via: 'views.publish', userId });
  ctx.state.homeViews.set(userId, view.id);
  return { view };
};

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': openOrPush('views.open'),
  'views.push': openOrPush('views.push'),
  'views.update': update,
  'views.publish': publish,
};
