import type { Redis } from 'ioredis';
import type { AttemptStore } from '../types.js';
import { redisCommand } from './redis-command.js';
import { incrementAttemptsScript, peekAttemptsScript } from './redis-scripts.js';

/**
 * Login attempt counters shared by every instance: one counter key per throttle key, expiring
 * when its window ends, so failures on any instance count against the same limit.
 */
export function createRedisAttemptStore({ client, keyPrefix }: { client: Redis; keyPrefix: string }) {
  const counter = (key: string) => `${keyPrefix}attempts:${key}`;
  return {
    increment: async (key, windowMs, now) => {
      const [count, resetAt] = (await redisCommand(() => incrementAttemptsScript(client, [counter(key)], [now, windowMs]))) as [number, number];
      return { count, resetAt };
    },
    peek: async (key, now) => {
      const window = (await redisCommand(() => peekAttemptsScript(client, [counter(key)], []))) as [number, number] | null;
      return window && window[1] > now ? { count: window[0], resetAt: window[1] } : undefined;
    },
    reset: async (key) => void (await redisCommand(() => client.del(counter(key)))),
  } satisfies AttemptStore;
}
