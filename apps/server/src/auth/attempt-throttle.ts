import { ApiError } from '../errors/api-error.js';
import type { AttemptStore } from '../stores/types.js';

export interface AttemptThrottleOptions {
  attempts: AttemptStore;
  /** Names this throttle's counters, so that logins and link requests are limited apart. */
  scope?: string;
  /** Failed logins allowed per username in one window. */
  maxFailuresPerUsername: number;
  /** Failed logins allowed per client address in one window. */
  maxFailuresPerClient: number;
  windowMs: number;
  now: () => number;
}

export const DEFAULT_LOGIN_THROTTLE = {
  maxFailuresPerUsername: 10,
  maxFailuresPerClient: 100,
  windowMs: 15 * 60 * 1000,
};

/** Link requests send messages: every request counts, per address and per client. */
export const DEFAULT_LINK_REQUEST_THROTTLE = {
  maxFailuresPerUsername: 5,
  maxFailuresPerClient: 30,
  windowMs: 15 * 60 * 1000,
};

/**
 * Limits attempts per account name and per client, in fixed windows. For logins it counts failures:
 * per username (slows a targeted guess from many addresses) and per client (slows one address
 * spraying many usernames); successful logins never count, so a busy office behind one address is
 * not locked out by its own users. Link requests count every request, per address and per client.
 */
export function createAttemptThrottle(options: AttemptThrottleOptions) {
  const { attempts, windowMs, now } = options;
  const scope = options.scope ?? 'login';
  const accountKey = (name: string) => `${scope}:user:${name.toLowerCase()}`;
  const keysFor = (client: string, name: string) => [
    { key: accountKey(name), limit: options.maxFailuresPerUsername },
    { key: `${scope}:client:${client}`, limit: options.maxFailuresPerClient },
  ];

  return {
    /** Throws 429 rate_limited, with Retry-After, while either counter is at its limit. */
    async assertAllowed(client: string, username: string): Promise<void> {
      const at = now();
      for (const { key, limit } of keysFor(client, username)) {
        const window = await attempts.peek(key, at);
        if (window && window.count >= limit) {
          const retryAfter = Math.max(1, Math.ceil((window.resetAt - at) / 1000));
          throw new ApiError('rate_limited', `Too many attempts. Try again in ${retryAfter} seconds.`, {
            'retry-after': String(retryAfter),
          });
        }
      }
    },

    async recordFailure(client: string, username: string): Promise<void> {
      const at = now();
      for (const { key } of keysFor(client, username)) await attempts.increment(key, windowMs, at);
    },

    /** A correct password clears the username's counter (not the client's). */
    async recordSuccess(username: string): Promise<void> {
      await attempts.reset(accountKey(username));
    },
  };
}

export type AttemptThrottle = ReturnType<typeof createAttemptThrottle>;
