import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from '../types.js';
import { redisCommand } from './redis-command.js';
import { createSessionScript, revokeSessionScript, revokeUserSessionsScript, rotateRefreshScript } from './redis-scripts.js';
import { createRevocationView, type StoreLog } from './revocation-view.js';

export interface RedisSessionStoreOptions {
  client: Redis;
  /** A second connection, used only to subscribe to revocations (see revocation-view.ts). */
  subscriber: Redis;
  /** Starts every key and the channel, e.g. `jwt-lab:`. */
  keyPrefix: string;
  /** ACCESS_TOKEN_TTL in ms: how long a revoked session must be remembered (tokens are checked with no clock tolerance). */
  accessTokenTtlMs: number;
  sessionCacheSize?: number;
  heartbeatMs?: number;
  log?: StoreLog | undefined;
}

const DEFAULT_SESSION_CACHE_SIZE = 10_000;
const DEFAULT_HEARTBEAT_MS = 1_000;

/** The key names of one prefix; scripts derive the per-session and per-user ones the same way. */
export function redisSessionKeys(prefix: string) {
  return {
    session: (id: string) => `${prefix}session:${id}`,
    userSessions: (userId: string) => `${prefix}user-sessions:${userId}`,
    revoked: `${prefix}revoked`,
    channel: `${prefix}revocations`,
  };
}

function toSession(id: string, fields: Record<string, string>): SessionRecord | undefined {
  if (fields.userId === undefined) return undefined;
  return {
    id,
    userId: fields.userId,
    mode: fields.mode === 'cookie' ? 'cookie' : 'header',
    csrfToken: fields.csrfToken ?? '',
    refreshJti: fields.refreshJti ?? '',
    createdAt: Number(fields.createdAt),
    expiresAt: Number(fields.expiresAt),
    revokedAt: fields.revokedAt === undefined ? null : Number(fields.revokedAt),
  };
}

/**
 * Sessions in Redis, shared by every instance. `find` answers from memory once a session has been
 * seen (the revocation view keeps it honest), so verifying a token costs no Redis call. Call
 * `start()` before use and `stop()` before closing the connections.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions) {
  const { client, subscriber, keyPrefix, accessTokenTtlMs } = options;
  const keys = redisSessionKeys(keyPrefix);
  const view = createRevocationView({
    client,
    subscriber,
    channel: keys.channel,
    revokedKey: keys.revoked,
    accessTokenTtlMs,
    sessionCacheSize: options.sessionCacheSize ?? DEFAULT_SESSION_CACHE_SIZE,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    log: options.log,
  });

  const sessions = {
    async create(session) {
      view.assertCurrent();
      const { id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt } = session;
      await redisCommand(() =>
        createSessionScript(client, [keys.session(id), keys.userSessions(userId)], [id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt ?? '']),
      );
      view.remember(session);
    },

    async find(id) {
      view.assertCurrent();
      const known = view.recall(id);
      if (known) return known;
      const epoch = view.epoch;
      const session = toSession(id, await redisCommand(() => client.hgetall(keys.session(id))));
      if (!session) return undefined;
      view.remember(session, epoch);
      return view.withRevocation(session);
    },

    async rotateRefreshToken(id, presentedJti, next, now) {
      view.assertCurrent();
      const result = (await redisCommand(() =>
        rotateRefreshScript(client, [keys.session(id), keys.revoked], [id, presentedJti, next.jti, next.expiresAt, now, accessTokenTtlMs, keyPrefix, keys.channel]),
      )) as 'rotated' | 'reused' | 'ended';
      const cached = view.recall(id);
      if (result === 'rotated' && cached) view.remember({ ...cached, refreshJti: next.jti, expiresAt: next.expiresAt });
      // Heard back through pub/sub too, but this instance must refuse the session from its next request on.
      if (result === 'reused') view.noteRevoked([id], now);
      return result;
    },

    async revoke(id, now) {
      view.assertCurrent();
      const revoked = await redisCommand(() => revokeSessionScript(client, [keys.session(id), keys.revoked], [id, now, accessTokenTtlMs, keyPrefix, keys.channel]));
      if (revoked === 1) view.noteRevoked([id], now);
    },

    async revokeAllForUser(userId, now) {
      view.assertCurrent();
      const ids = (await redisCommand(() =>
        revokeUserSessionsScript(client, [keys.userSessions(userId), keys.revoked], [userId, now, accessTokenTtlMs, keyPrefix, keys.channel]),
      )) as string[];
      view.noteRevoked(ids, now);
      return ids;
    },

    // Redis expires session keys by itself; what is left is the revoked set and this instance's memory.
    async purgeExpired(now) {
      view.forgetExpired(now);
      view.assertCurrent();
      await redisCommand(() => client.zremrangebyscore(keys.revoked, '-inf', now - accessTokenTtlMs));
    },
  } satisfies SessionStore;

  return Object.assign(sessions, {
    /** Subscribes and loads the revoked set; rejects with StoreUnavailableError if that takes longer than `timeoutMs`. */
    start: (timeoutMs = 5_000) => view.start(timeoutMs),
    stop: () => view.stop(),
    assertCurrent: () => view.assertCurrent(),
    /** Tests and diagnostics: is this instance trusting its view right now? */
    isCurrent: () => view.isCurrent,
  });
}

export type RedisSessionStore = ReturnType<typeof createRedisSessionStore>;
