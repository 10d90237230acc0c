import type { Redis } from 'ioredis';
import type { SeenProofStore } from '../types.js';
import { redisCommand } from './redis-command.js';

/**
 * Seen DPoP proofs shared by every instance: one key per proof, set only if absent (SET NX) and
 * expiring when the proof could no longer be accepted (PXAT), so a proof replayed to any instance
 * finds it. One command per proof; Redis forgets them by itself.
 */
export function createRedisSeenProofStore({ client, keyPrefix }: { client: Redis; keyPrefix: string }) {
  const key = (id: string) => `${keyPrefix}seen-proof:${id}`;
  return {
    spend: async (id, expiresAt) => (await redisCommand(() => client.set(key(id), '1', 'PXAT', expiresAt, 'NX'))) === 'OK',
    purgeExpired: async () => {},
  } satisfies SeenProofStore;
}
