import { StoreUnavailableError, type StoreLog } from '../types.js';

/**
 * Whether an instance may answer from its memory of revocations:
 *
 *   distrusted ──beginResync()──▶ resynchronising ──settle()──▶ current
 *        ▲                              │                          │
 *        └──────── abandon() ───────────┘◀──── distrust() ─────────┘ (from any phase)
 *
 * Every distrust() starts a new epoch, so that a resynchronisation begun before it can never
 * declare the view current (it may have read the store before the revocation it missed).
 */
export type TrustPhase = 'distrusted' | 'resynchronising' | 'current';

export interface TrustStateOptions {
  log?: StoreLog | undefined;
  /** Runs on every loss of trust, before anything can read again (e.g. to drop cached sessions). */
  onDistrust?: () => void;
}

export function createTrustState({ log, onDistrust }: TrustStateOptions = {}) {
  let phase: TrustPhase = 'distrusted';
  let epoch = 0;
  let closed = false;
  /** Callers of whenCurrent(), woken by the next settle(). */
  const waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  return {
    get phase(): TrustPhase {
      return phase;
    },
    get isCurrent(): boolean {
      return phase === 'current';
    },
    /** Increases on every loss of trust; a read begun in an older epoch must not be cached. */
    get epoch(): number {
      return epoch;
    },

    distrust(reason: string): void {
      epoch += 1;
      onDistrust?.();
      if (phase === 'current') log?.warn(`session store: ${reason}; failing closed until the revocation view is resynchronised`);
      phase = 'distrusted';
    },

    /** Returns the epoch of the attempt, or undefined when one is already running or the view is current. */
    beginResync(): number | undefined {
      if (closed || phase !== 'distrusted') return undefined;
      phase = 'resynchronising';
      return epoch;
    },

    /** Declares the view current, unless trust was lost since `attempt` began. Returns whether it did. */
    settle(attempt: number, summary: string): boolean {
      if (closed || attempt !== epoch || phase !== 'resynchronising') return false;
      phase = 'current';
      log?.info(`session store: revocation view current (${summary})`);
      for (const waiter of waiters) waiter.resolve();
      waiters.clear();
      return true;
    },

    /** A resynchronisation that failed: back to distrusted (if nothing else happened meanwhile). */
    abandon(attempt: number): void {
      if (attempt === epoch && phase === 'resynchronising') phase = 'distrusted';
    },

    /** Resolves once the view is current; rejects with StoreUnavailableError after `timeoutMs` or on close. */
    whenCurrent(timeoutMs: number): Promise<void> {
      if (phase === 'current') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new StoreUnavailableError(new Error(`revocation view could not be loaded within ${timeoutMs} ms`)));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    /** Throws StoreUnavailableError unless every revocation made anywhere is known here. */
    assertCurrent(): void {
      if (phase !== 'current') throw new StoreUnavailableError(new Error('revocation view is not current'));
    },

    close(): void {
      closed = true;
      epoch += 1;
      phase = 'distrusted';
      for (const waiter of waiters) waiter.reject(new StoreUnavailableError(new Error('the session store was closed')));
      waiters.clear();
    },
  };
}

export type TrustState = ReturnType<typeof createTrustState>;
