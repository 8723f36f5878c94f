// One slot, taken in turn: the moment between "the mail server has the whole
// message" and "the database says so" is held by one message at a time. Other
// sends stream their messages meanwhile but wait here before the final dot, so
// a crash can leave at most one message accepted and unrecorded (resent once).

export interface CommitSlot {
  /** Resolves with the function that frees the slot, once it is this caller's. */
  take(): Promise<() => void>;
}

export function createCommitSlot(): CommitSlot {
  let tail: Promise<void> = Promise.resolve();
  return {
    take() {
      let free!: () => void;
      const freed = new Promise<void>((resolve) => (free = resolve));
      const mine = tail.then(() => {
        let done = false;
        return () => {
          if (done) return;
          done = true;
          free();
        };
      });
      tail = freed;
      return mine;
    },
  };
}
