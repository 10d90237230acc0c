import { ApiError } from '../errors/api-error.js';
import type { AttemptStore } from '../stores/types.js';

/** One counter and how many attempts it allows per window. */
export interface AttemptLimit {
  key: string;
  limit: number;
}

/** Attempts counted against every limit of one request; what the request did decides what stays counted. */
export interface AttemptReservation {
  /** The attempt turned out not to count (it was never judged): give every counter back. */
  release(): Promise<void>;
}

export interface AttemptThrottleOptions {
  attempts: AttemptStore;
  windowMs: number;
  now: () => number;
}

/**
 * Fixed-window limits that are reserved before the work they guard and kept or given back after.
 * Reading a counter, hashing and then counting would let every request inside that window through
 * (40 parallel guesses all judged against a limit of 10); a reservation is atomic in every store.
 */
export function createAttemptThrottle({ attempts, windowMs, now }: AttemptThrottleOptions) {
  const refuse = (resetAt: number, at: number): never => {
    const retryAfter = Math.max(1, Math.ceil((resetAt - at) / 1000));
    throw new ApiError('rate_limited', `Too many attempts. Try again in ${retryAfter} seconds.`, { 'retry-after': String(retryAfter) });
  };

  return {
    /** Counts one attempt against every limit, or against none: 429 rate_limited with Retry-After when any is full. */
    async reserve(limits: readonly AttemptLimit[]): Promise<AttemptReservation> {
      const at = now();
      const taken: string[] = [];
      const giveBack = async (keys: readonly string[]) => {
        for (const key of keys) await attempts.release(key, now());
      };
      for (const { key, limit } of limits) {
        const reservation = await attempts.reserve(key, limit, windowMs, at);
        if (!reservation.granted) {
          await giveBack(taken);
          refuse(reservation.resetAt, at);
        }
        taken.push(key);
      }
      return { release: () => giveBack(taken) };
    },

    /**
     * Check now, count later: for a coarse limit where attempts in flight must not count (many
     * people behind one address logging in at once). Parallel attempts can overshoot it by as many
     * as are in flight, which the hash queue bounds.
     */
    async assertBelow({ key, limit }: AttemptLimit): Promise<void> {
      const at = now();
      const window = await attempts.peek(key, at);
      if (window && window.count >= limit) refuse(window.resetAt, at);
    },

    /** Counts one attempt whatever the count. */
    async count(key: string): Promise<void> {
      await attempts.reserve(key, Number.MAX_SAFE_INTEGER, windowMs, now());
    },

    /** Forgets a counter (a correct password clears its account's failures). */
    reset: (key: string) => attempts.reset(key),
  };
}

export type AttemptThrottle = ReturnType<typeof createAttemptThrottle>;
