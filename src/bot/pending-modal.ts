// A modal opened the moment Slack's request arrives, filled in afterwards.
// Slack accepts a trigger_id for 3 s only; a form pre-filled from Temporal and
// PostgreSQL can take longer on a busy host, so the trigger is spent at once on
// a placeholder and the loaded form replaces it (views.update).
import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { explainError } from './explain-error';

export interface PendingModal {
  /** Replaces the placeholder with the loaded form. */
  show(view: View): Promise<void>;
}

function placeholder(title: string, text: string): View {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/**
 * Opens a placeholder titled `title` with the trigger_id, then runs `fill`. If
 * `fill` fails, the placeholder says why in plain words and the error is
 * rethrown, so the caller's ephemeral reply says it too.
 */
export async function withPendingModal<T>(
  client: WebClient,
  triggerId: string,
  title: string,
  fill: (modal: PendingModal) => Promise<T>,
): Promise<T> {
  const opened = await client.views.open({ trigger_id: triggerId, view: placeholder(title, ':hourglass_flowing_sand: Loading…') });
  const replace = async (view: View): Promise<void> => {
    await client.views.update({ view_id: opened.view?.id ?? '', view });
  };
  try {
    return await fill({ show: replace });
  } catch (err) {
    // Logged once, by the caller that answers the user.
    await replace(placeholder(title, explainError(err, () => undefined))).catch(() => undefined);
    throw err;
  }
}
