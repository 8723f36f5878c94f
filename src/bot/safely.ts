// Runs the work behind an acknowledged Slack request; its answer, or any
// failure in plain words, reaches the user as an ephemeral message.
import type { RespondFn } from '@slack/bolt';
import { explainError } from './explain-error';

export async function reply(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

export type Safely = (respond: RespondFn, work: () => Promise<string | undefined>) => Promise<void>;

export function safelyWith(log: (line: string) => void): Safely {
  return async (respond, work) => {
    try {
      const text = await work();
      if (text) await reply(respond, text);
    } catch (err) {
      await reply(respond, explainError(err, log)).catch(() => undefined);
    }
  };
}
