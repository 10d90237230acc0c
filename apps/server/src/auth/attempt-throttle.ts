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
  /** Give back the listed counters only. */
  releaseKeys(keys: readonly string[]): Promise<void>;
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
          const retryAfter = Math.max(1, Math.ceil((reservation.resetAt - at) / 1000));
          throw new ApiError('rate_limited', `Too many attempts. Try again in ${retryAfter} seconds.`, { 'retry-after': String(retryAfter) });
        }
        taken.push(key);
      }
      return {
        release: () => giveBack(taken),
        releaseKeys: (keys) => giveBack(keys.filter((key) => taken.includes(key))),
      };
    },

    /** Forgets a counter (a correct password clears its account's failures). */
    reset: (key: string) => attempts.reset(key),
  };
}

export type AttemptThrottle = ReturnType<typeof createAttemptThrottle>;
