import type { Pool } from 'pg';
import { ConfigError, type Config } from '../config/config.js';
import { createFileKeyStorage } from '../tokens/file-key-storage.js';
import type { KeyStorage } from '../tokens/key-storage.js';
import { redisCommand } from './redis/redis-command.js';
import { connectRedis } from './redis/redis-connection.js';
import { createRedisAttemptStore } from './redis/redis-attempt-store.js';
import { createRedisSeenProofStore } from './redis/redis-seen-proof-store.js';
import { createRedisSessionStore } from './redis/redis-session-store.js';
import { createSqliteStores } from './sqlite/sqlite-stores.js';
import { StoreUnavailableError, type SeenProofStore, type SessionStore, type StoreLog, type Stores } from './types.js';

export type StoreOptions = Pick<Config, 'dataDir' | 'redisUrl' | 'redisKeyPrefix' | 'accessTokenTtl' | 'databaseUrl'> & {
  /** The app's clock (PostgreSQL sessions: which revocations still matter when resynchronising). */
  now?: () => number;
};

/** The engines in use, as /api/health reports them. */
export function storeKindFor(config: Pick<Config, 'redisUrl' | 'databaseUrl'>): Stores['kind'] {
  if (config.databaseUrl) return config.redisUrl ? 'postgres+redis' : 'postgres';
  return config.redisUrl ? 'redis' : 'sqlite';
}

const START_TIMEOUT_MS = 5_000;

/** Loaded only with DATABASE_URL: a start without it does not pay for the driver. */
async function loadPostgres() {
  const [migrations, connection, keys, sessions, stores] = await Promise.all([
    import('./postgres/migrations.js'),
    import('./postgres/postgres-connection.js'),
    import('./postgres/postgres-key-storage.js'),
    import('./postgres/postgres-session-store.js'),
    import('./postgres/postgres-stores.js'),
  ]);
  return { ...migrations, ...connection, ...keys, ...sessions, ...stores };
}

/**
 * The stores of this deployment:
 *
 * | configured              | users, links, signing keys | login attempts | sessions, revocations, seen DPoP proofs |
 * | ----------------------- | -------------------------- | -------------- | --------------------------------------- |
 * | nothing                 | SQLite + files in DATA_DIR | SQLite         | SQLite                                  |
 * | REDIS_URL               | SQLite + files in DATA_DIR | Redis          | Redis                                   |
 * | DATABASE_URL            | PostgreSQL                 | PostgreSQL     | PostgreSQL                              |
 * | DATABASE_URL, REDIS_URL | PostgreSQL                 | PostgreSQL     | Redis                                   |
 *
 * (Login limits stay with the accounts they protect in PostgreSQL, as the contract says. Seen DPoP
 * proofs go with the sessions: one write per DPoP request, on the store every instance reads.) Throws a
 * ConfigError naming the variable when an engine cannot be used.
 */
export async function createStores(config: StoreOptions, log?: StoreLog): Promise<Stores> {
  const kind = storeKindFor(config);
  if (kind === 'sqlite') return createSqliteStores({ dataDir: config.dataDir, exclusive: true });

  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    let accounts: Pick<Stores, 'users' | 'links' | 'attempts' | 'signingKeys'> & { ping(): Promise<void> };
    let pool: Pool | undefined;
    const postgres = config.databaseUrl ? await loadPostgres() : undefined;
    if (postgres && config.databaseUrl) {
      const { connectPostgres, migrate, createPostgresUserStore, createPostgresSpentLinkStore, createPostgresAttemptStore, createPostgresKeyStorage } = postgres;
      const pg = await connectPostgres(config.databaseUrl);
      pool = pg;
      closers.push(() => pg.end().catch(() => {}));
      await migrate(pg);
      accounts = {
        users: createPostgresUserStore({ pool: pg }),
        links: createPostgresSpentLinkStore({ pool: pg }),
        attempts: createPostgresAttemptStore({ pool: pg }),
        signingKeys: createPostgresKeyStorage({ pool: pg }),
        ping: async () => {
          await pg.query('SELECT 1').catch((error: unknown) => {
            throw new StoreUnavailableError(error);
          });
        },
      };
    } else {
      // REDIS_URL alone: users stay in the SQLite file, which instances on one machine share.
      const sqlite = createSqliteStores({ dataDir: config.dataDir, exclusive: false });
      closers.push(() => sqlite.close());
      accounts = sqlite;
    }

    let sessions: SessionStore & { assertCurrent(): void };
    let attempts = accounts.attempts;
    let proofs: SeenProofStore;
    let pingSessions: () => Promise<void> = async () => {};
    if (config.redisUrl) {
      const { client, subscriber } = await connectRedis(config.redisUrl);
      closers.push(() => {
        client.disconnect();
        subscriber.disconnect();
      });
      const redisSessions = createRedisSessionStore({ client, subscriber, keyPrefix: config.redisKeyPrefix, accessTokenTtlMs: config.accessTokenTtl * 1000, log });
      closers.push(() => redisSessions.stop());
      await redisSessions.start(START_TIMEOUT_MS).catch(() => {
        throw new ConfigError('REDIS_URL', 'answers, but the revoked sessions could not be loaded from it; check that it is a writable primary');
      });
      sessions = redisSessions;
      if (!config.databaseUrl) attempts = createRedisAttemptStore({ client, keyPrefix: config.redisKeyPrefix });
      proofs = createRedisSeenProofStore({ client, keyPrefix: config.redisKeyPrefix });
      pingSessions = async () => void (await redisCommand(() => client.ping()));
    } else if (postgres && pool && config.databaseUrl) {
      const pgSessions = postgres.createPostgresSessionStore({
        url: config.databaseUrl,
        pool,
        accessTokenTtlMs: config.accessTokenTtl * 1000,
        now: config.now ?? Date.now,
        log,
      });
      closers.push(() => pgSessions.stop());
      await pgSessions.start(START_TIMEOUT_MS).catch(() => {
        throw new ConfigError('DATABASE_URL', 'answers, but the revoked sessions could not be loaded from it (LISTEN and a read of the sessions table)');
      });
      sessions = pgSessions;
      proofs = postgres.createPostgresSeenOnceStore({ pool, table: 'seen_proofs' });
    } else {
      throw new Error('sessions need SQLite, Redis or PostgreSQL'); // storeKindFor rules this out
    }

    return {
      kind,
      users: accounts.users,
      links: accounts.links,
      proofs,
      attempts,
      sessions,
      signingKeys: accounts.signingKeys,
      async ping() {
        await accounts.ping();
        sessions.assertCurrent();
        await pingSessions();
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The key storage alone, for `pnpm keys` (no sessions, no Redis): PostgreSQL with DATABASE_URL, else DATA_DIR. */
export async function openKeyStorage(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<{ storage: KeyStorage; close(): Promise<void> }> {
  if (!config.databaseUrl) return { storage: createFileKeyStorage(config.dataDir), close: async () => {} };
  const { connectPostgres, migrate, createPostgresKeyStorage } = await loadPostgres();
  const pool = await connectPostgres(config.databaseUrl, { poolSize: 1 });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { storage: createPostgresKeyStorage({ pool }), close: () => pool.end() };
}
