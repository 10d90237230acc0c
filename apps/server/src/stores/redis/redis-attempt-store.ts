import type { Redis } from 'ioredis';
import type { AttemptStore } from '../types.js';
import { redisCommand } from './redis-command.js';
import { peekAttemptsScript, releaseAttemptScript, reserveAttemptScript } from './redis-scripts.js';

/**
 * Attempt counters shared by every instance: one counter key per throttle key, expiring when its
 * window ends, so attempts on any instance count against the same limit.
 */
export function createRedisAttemptStore({ client, keyPrefix }: { client: Redis; keyPrefix: string }) {
  const counter = (key: string) => `${keyPrefix}attempts:${key}`;
  return {
    reserve: async (key, limit, windowMs, now) => {
      const [granted, count, resetAt] = (await redisCommand(() => reserveAttemptScript(client, [counter(key)], [now, windowMs, limit]))) as [number, number, number];
      return { granted: granted === 1, count, resetAt };
    },
    release: async (key, now) => void (await redisCommand(() => releaseAttemptScript(client, [counter(key)], [now]))),
    peek: async (key, now) => {
      const window = (await redisCommand(() => peekAttemptsScript(client, [counter(key)], []))) as [number, number] | null;
      return window && window[1] > now ? { count: window[0], resetAt: window[1] } : undefined;
    },
    reset: async (key) => void (await redisCommand(() => client.del(counter(key)))),
  } satisfies AttemptStore;
}
