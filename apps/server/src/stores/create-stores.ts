import { ConfigError, type Config } from '../config/config.js';
import { redisCommand } from './redis/redis-command.js';
import { connectRedis } from './redis/redis-connection.js';
import { createRedisAttemptStore } from './redis/redis-attempt-store.js';
import { createRedisSeenProofStore } from './redis/redis-seen-proof-store.js';
import { createRedisSessionStore } from './redis/redis-session-store.js';
import type { StoreLog } from './redis/revocation-view.js';
import { createSqliteStores } from './sqlite/sqlite-stores.js';
import type { Stores } from './types.js';

export type StoreOptions = Pick<Config, 'dataDir' | 'redisUrl' | 'redisKeyPrefix' | 'accessTokenTtl'>;

/** Which engine holds sessions and attempts: Redis when REDIS_URL is set, else SQLite. */
export function storeKindFor(config: Pick<Config, 'redisUrl'>): Stores['kind'] {
  return config.redisUrl ? 'redis' : 'sqlite';
}

/**
 * The stores of this deployment. Users always live in the SQLite file under dataDir; with a Redis
 * URL, sessions, login attempts and seen DPoP proofs live in Redis so that every instance shares
 * them (spent links stay with the users they belong to). Throws
 * ConfigError (naming REDIS_URL) when Redis cannot be used.
 */
export async function createStores(config: StoreOptions, log?: StoreLog): Promise<Stores> {
  const sessionsInSqlite = storeKindFor(config) === 'sqlite';
  const sqlite = createSqliteStores({ dataDir: config.dataDir, exclusive: sessionsInSqlite });
  if (sessionsInSqlite) return sqlite;

  const { client, subscriber } = await connectRedis(config.redisUrl!).catch(async (error: unknown) => {
    await sqlite.close();
    throw error;
  });
  const sessions = createRedisSessionStore({
    client,
    subscriber,
    keyPrefix: config.redisKeyPrefix,
    accessTokenTtlMs: config.accessTokenTtl * 1000,
    log,
  });
  const close = async () => {
    sessions.stop();
    client.disconnect();
    subscriber.disconnect();
    await sqlite.close();
  };
  await sessions.start().catch(async () => {
    await close();
    throw new ConfigError('REDIS_URL', 'answers, but the revoked sessions could not be loaded from it; check that it is a writable primary');
  });

  return {
    kind: 'redis',
    users: sqlite.users,
    links: sqlite.links,
    proofs: createRedisSeenProofStore({ client, keyPrefix: config.redisKeyPrefix }),
    sessions,
    attempts: createRedisAttemptStore({ client, keyPrefix: config.redisKeyPrefix }),
    async ping() {
      await sqlite.ping();
      sessions.assertCurrent();
      await redisCommand(() => client.ping());
    },
    close,
  };
}
