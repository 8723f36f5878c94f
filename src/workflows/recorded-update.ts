// The shape every state change of a policy workflow shares: validate (an actor
// is always required), apply, wake the main loop, record the event, answer with
// the new state. Deterministic: only workflow APIs.
import type { UpdateDefinition } from '@temporalio/common';
import { setHandler } from '@temporalio/workflow';
import { nowMs } from './clock';

export interface RecordedUpdateOptions<S, A extends { actor: string }, K extends string> {
  /** Checks beyond the actor; throws (via `reject`) to refuse. */
  validate: (args: A) => void;
  /** Changes the state; returns what the timeline records. */
  apply: (args: A, at: number) => { kind: K; text: string };
  record: (kind: K, actor: string, text: string) => Promise<void>;
  snapshot: () => S;
  /** Tells the main loop to re-plan its timers. */
  onChange: () => void;
  reject: (message: string) => never;
}

export function setRecordedUpdateHandler<S, A extends { actor: string }, K extends string>(
  definition: UpdateDefinition<S, [A]>,
  o: RecordedUpdateOptions<S, A, K>,
): void {
  setHandler(
    definition,
    async (args: A) => {
      const { kind, text } = o.apply(args, nowMs());
      o.onChange();
      await o.record(kind, args.actor, text);
      return o.snapshot();
    },
    {
      validator: (args: A) => {
        if (!args || typeof args.actor !== 'string' || args.actor.trim() === '') o.reject('an actor is required');
        o.validate(args);
      },
    },
  );
}
