import type { AttemptStore } from '../stores/types.js';
import { createAttemptThrottle } from './attempt-throttle.js';

const FIFTEEN_MINUTES = 15 * 60 * 1000;

export const DEFAULT_LOGIN_LIMITS = {
  /** Failed logins per username (slows a targeted guess from many addresses). */
  maxFailuresPerUsername: 10,
  /** Failed logins per client address (slows one address spraying many usernames). */
  maxFailuresPerClient: 100,
  /** Failed logins per known device: its own budget, so a stranger's failures cannot lock it out. */
  maxFailuresPerDevice: 10,
  windowMs: FIFTEEN_MINUTES,
};

/** Link requests send messages: every request counts, per address and per client. */
export const DEFAULT_LINK_REQUEST_LIMITS = {
  maxPerAddress: 5,
  maxPerClient: 30,
  windowMs: FIFTEEN_MINUTES,
};

/** Registration and password reset each cost a password hash: every attempt counts, per client. */
export const DEFAULT_PER_CLIENT_HASH_LIMITS = {
  maxPerClient: 100,
  windowMs: FIFTEEN_MINUTES,
};

export type LoginLimits = typeof DEFAULT_LOGIN_LIMITS;
export type LinkRequestLimits = typeof DEFAULT_LINK_REQUEST_LIMITS;
export type PerClientLimits = typeof DEFAULT_PER_CLIENT_HASH_LIMITS;

/** A login whose attempt is counted before its password is checked. */
export interface LoginAttempt {
  /** The password was right: the account's failures are forgotten. */
  succeeded(): Promise<void>;
  /** The password was wrong: it stays counted against the account, and counts against the client. */
  failed(): Promise<void>;
  /** Nothing was judged (the server was too busy to check): the account's attempt is given back. */
  notJudged(): Promise<void>;
}

/**
 * Failed logins are limited per username, counted *before* the hash, so that any number of parallel
 * guesses for one username gets at most the limit judged. A device that logged in as this user before
 * (a valid device cookie, OWASP's "device cookies") is counted on its own budget instead of the
 * username's: a stranger who locks the username does not lock out the user's own browsers.
 * The per-client limit slows one address spraying many usernames; it is checked before and counted
 * after a failure, because reserving it would let a busy office's simultaneous logins (one address,
 * all in flight at once) lock each other out. Successful logins never count.
 */
export function createLoginLimits({ attempts, limits, now }: { attempts: AttemptStore; limits: LoginLimits; now: () => number }) {
  const throttle = createAttemptThrottle({ attempts, windowMs: limits.windowMs, now });
  return {
    async begin(client: string, username: string, deviceId?: string): Promise<LoginAttempt> {
      const account = deviceId
        ? { key: `login:device:${deviceId}`, limit: limits.maxFailuresPerDevice }
        : { key: `login:user:${username.toLowerCase()}`, limit: limits.maxFailuresPerUsername };
      const clientLimit = { key: `login:client:${client}`, limit: limits.maxFailuresPerClient };
      await throttle.assertBelow(clientLimit);
      const reservation = await throttle.reserve([account]);
      return {
        succeeded: () => throttle.reset(account.key),
        failed: () => throttle.count(clientLimit.key),
        notJudged: () => reservation.release(),
      };
    },
  };
}

/** Messages per address and per client; `begin` counts one, whatever happens next. */
export function createLinkRequestLimits({ attempts, limits, now }: { attempts: AttemptStore; limits: LinkRequestLimits; now: () => number }) {
  const throttle = createAttemptThrottle({ attempts, windowMs: limits.windowMs, now });
  return {
    count: (client: string, email: string) =>
      throttle.reserve([
        { key: `links:user:${email.toLowerCase()}`, limit: limits.maxPerAddress },
        { key: `links:client:${client}`, limit: limits.maxPerClient },
      ]),
  };
}

/** Attempts of one kind (`scope`) per client; one that was never judged (server busy) is given back. */
export function createPerClientLimit({ attempts, scope, limits, now }: { attempts: AttemptStore; scope: string; limits: PerClientLimits; now: () => number }) {
  const throttle = createAttemptThrottle({ attempts, windowMs: limits.windowMs, now });
  return {
    count: (client: string) => throttle.reserve([{ key: `${scope}:client:${client}`, limit: limits.maxPerClient }]),
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimits>;
export type LinkRequestLimiter = ReturnType<typeof createLinkRequestLimits>;
export type PerClientLimiter = ReturnType<typeof createPerClientLimit>;
