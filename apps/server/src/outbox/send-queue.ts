/**
 * Work a handler starts and does not wait for: mail sent after the answer, so that neither the
 * body nor the timing tells whether an account matched. Jobs run one after another; `drain()`
 * resolves once every job handed over so far (and any they hand over) has finished. The app
 * drains the queue when it closes, before its stores, so shutdown cannot drop a message; tests
 * await it instead of polling.
 */
export interface SendQueue {
  /** Runs `job` after the jobs before it; its failure goes to `onError`, never to the caller. */
  later(job: () => Promise<void>, onError: (error: unknown) => void): void;
  drain(): Promise<void>;
  /** Jobs handed over and not finished yet. */
  readonly pending: number;
}

export function createSendQueue(): SendQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    later(job, onError) {
      pending++;
      const run = async () => {
        try {
          await job();
        } catch (error) {
          onError(error);
        } finally {
          pending--;
        }
      };
      // The tail never rejects (not even if onError throws), so one failure cannot stop the jobs after it.
      tail = tail.then(run).catch(() => {});
    },
    async drain() {
      // A job may hand over another: wait until the tail stops moving.
      let seen: Promise<void>;
      do {
        seen = tail;
        await seen;
      } while (seen !== tail);
    },
    get pending() {
      return pending;
    },
  };
}
