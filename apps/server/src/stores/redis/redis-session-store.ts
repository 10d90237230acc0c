import { CredentialMode } from '@jwt-lab/shared';
import { Value } from 'typebox/value';
import type { Redis } from 'ioredis';
import { StoreUnavailableError, type RotationResult, type SessionRecord } from '../types.js';
import { redisCommand } from './redis-command.js';
import { createSessionScript, recordUseScript, revokeSessionScript, revokeUserSessionsScript, rotateRefreshScript } from './redis-scripts.js';
import { createRedisRevocationFeed } from './redis-revocation-feed.js';
import { withViewDefaults, type RevocationViewTuning } from '../revocation/revocation-view.js';
import { createRememberedSessionStore, type SharedSessionQueries } from '../revocation/remembered-sessions.js';

export interface RedisSessionStoreOptions extends RevocationViewTuning {
  client: Redis;
  /** A second connection, used only to subscribe to revocations (see redis-revocation-feed.ts). */
  subscriber: Redis;
  /** Starts every key and the channel, e.g. `jwt-lab:`. */
  keyPrefix: string;
  /** ACCESS_TOKEN_TTL in ms: how long a revoked session must be remembered (tokens are checked with no clock tolerance). */
  accessTokenTtlMs: number;
}

/** The key names of one prefix; scripts derive the per-session and per-user ones the same way. */
export function redisSessionKeys(prefix: string) {
  return {
    session: (id: string) => `${prefix}session:${id}`,
    userSessions: (userId: string) => `${prefix}user-sessions:${userId}`,
    revoked: `${prefix}revoked`,
    /** Revocations and rotations; each instance also listens on `<channel>:confirmations:<its id>`. */
    channel: `${prefix}revocations`,
  };
}

function toSession(id: string, fields: Record<string, string>): SessionRecord | undefined {
  if (fields.userId === undefined) return undefined;
  return {
    id,
    userId: fields.userId,
    mode: Value.Check(CredentialMode, fields.mode) ? fields.mode : 'header',
    csrfToken: fields.csrfToken ?? '',
    refreshJti: fields.refreshJti ?? '',
    createdAt: Number(fields.createdAt),
    expiresAt: Number(fields.expiresAt),
    revokedAt: fields.revokedAt === undefined ? null : Number(fields.revokedAt),
    device: fields.device ?? '',
    ip: fields.ip ?? '',
    lastUsedAt: Number(fields.lastUsedAt ?? fields.createdAt),
  };
}

/**
 * Sessions in Redis, shared by every instance. `find` answers from memory once a session has been
 * seen (the revocation view keeps it honest), so verifying a token costs no Redis call
 * (../revocation/remembered-sessions.ts); here are only the commands. Call `start()` before use
 * and `stop()` before closing the connections.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions) {
  const { client, subscriber, keyPrefix, accessTokenTtlMs } = options;
  const keys = redisSessionKeys(keyPrefix);
  const feed = createRedisRevocationFeed({ client, subscriber, channel: keys.channel, revokedKey: keys.revoked, accessTokenTtlMs, ...withViewDefaults(options) });

  const queries: SharedSessionQueries = {
    async insert(session) {
      const { id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt, device, ip, lastUsedAt } = session;
      await redisCommand(() =>
        createSessionScript(
          client,
          [keys.session(id), keys.userSessions(userId)],
          [id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt ?? '', device, ip, lastUsedAt],
        ),
      );
    },

    load: async (id) => toSession(id, await redisCommand(() => client.hgetall(keys.session(id)))),

    async rotateRefreshToken(id, presentedJti, next, now, { from, notice }) {
      const reply = await redisCommand(() =>
        rotateRefreshScript(client, [keys.session(id), keys.revoked], [id, presentedJti, next.jti, next.expiresAt, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
      );
      const [value, receivers = 0] = reply as [RotationResult, number?];
      return { value, revokedIds: value === 'reused' ? [id] : [], receivers };
    },

    async revoke(id, now, { from, notice }) {
      const receivers = (await redisCommand(() =>
        revokeSessionScript(client, [keys.session(id), keys.revoked], [id, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
      )) as number;
      return { value: undefined, revokedIds: receivers >= 0 ? [id] : [], receivers };
    },

    async revokeAllForUser(userId, now, { from, notice }) {
      const reply = await redisCommand(() =>
        revokeUserSessionsScript(client, [keys.userSessions(userId), keys.revoked], [userId, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
      );
      const [receivers, ids] = reply as [number, string[]];
      return { value: ids, revokedIds: ids, receivers };
    },

    async listForUser(userId, now) {
      const ids = await redisCommand(() => client.zrangebyscore(keys.userSessions(userId), `(${now}`, '+inf'));
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.hgetall(keys.session(id));
      const replies = ids.length === 0 ? [] : ((await redisCommand(() => pipeline.exec())) ?? []);
      const found: SessionRecord[] = [];
      replies.forEach(([error, fields], i) => {
        if (error) throw new StoreUnavailableError(error);
        const session = toSession(ids[i]!, fields as Record<string, string>);
        if (session && session.userId === userId && session.expiresAt > now) found.push(session);
      });
      return found.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    },

    async recordUse(id, at) {
      await redisCommand(() => recordUseScript(client, [keys.session(id)], [at]));
    },

    // Redis expires session keys by itself; what is left is the revoked set (and the view's memory, which forgets its part itself).
    async purgeExpired(now) {
      await redisCommand(() => client.zremrangebyscore(keys.revoked, '-inf', now - accessTokenTtlMs));
    },
  };

  return createRememberedSessionStore(feed, queries);
}

export type RedisSessionStore = ReturnType<typeof createRedisSessionStore>;
