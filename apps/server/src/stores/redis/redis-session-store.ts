import { CREDENTIAL_MODES, type CredentialMode } from '@jwt-lab/shared';
import type { Redis } from 'ioredis';
import { StoreUnavailableError, type RotationResult, type SessionRecord, type SessionStore, type StoreLog } from '../types.js';
import { redisCommand } from './redis-command.js';
import { createSessionScript, recordUseScript, revokeSessionScript, revokeUserSessionsScript, rotateRefreshScript } from './redis-scripts.js';
import { createRedisRevocationFeed } from './redis-revocation-feed.js';
import { VIEW_DEFAULTS } from '../revocation/revocation-view.js';
import { confirmedRevocation, findRemembered, rememberRotation, rememberUse } from '../revocation/remembered-sessions.js';

export interface RedisSessionStoreOptions {
  client: Redis;
  /** A second connection, used only to subscribe to revocations (see redis-revocation-feed.ts). */
  subscriber: Redis;
  /** Starts every key and the channel, e.g. `jwt-lab:`. */
  keyPrefix: string;
  /** ACCESS_TOKEN_TTL in ms: how long a revoked session must be remembered (tokens are checked with no clock tolerance). */
  accessTokenTtlMs: number;
  sessionCacheSize?: number;
  heartbeatMs?: number;
  confirmationTimeoutMs?: number;
  log?: StoreLog | undefined;
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
    mode: (CREDENTIAL_MODES as readonly string[]).includes(fields.mode ?? '') ? (fields.mode as CredentialMode) : 'header',
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
 * seen (the revocation view keeps it honest), so verifying a token costs no Redis call. Call
 * `start()` before use and `stop()` before closing the connections.
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions) {
  const { client, subscriber, keyPrefix, accessTokenTtlMs } = options;
  const keys = redisSessionKeys(keyPrefix);
  const feed = createRedisRevocationFeed({
    client,
    subscriber,
    channel: keys.channel,
    revokedKey: keys.revoked,
    accessTokenTtlMs,
    sessionCacheSize: options.sessionCacheSize ?? VIEW_DEFAULTS.sessionCacheSize,
    heartbeatMs: options.heartbeatMs ?? VIEW_DEFAULTS.heartbeatMs,
    confirmationTimeoutMs: options.confirmationTimeoutMs ?? VIEW_DEFAULTS.confirmationTimeoutMs,
    log: options.log,
  });

  const { view } = feed;
  const { trust } = view;

  /** Runs a script that may revoke sessions and publish that: confirmed by every instance before it returns. */
  function revoking<T>(
    run: (notice: { from: string; notice: string }) => Promise<unknown>,
    read: (reply: unknown) => { value: T; revokedIds: string[]; receivers: number },
    now: number,
  ): Promise<T> {
    return confirmedRevocation(view, (notice) => redisCommand(() => run(notice)), read, now);
  }

  const sessions = {
    async create(session) {
      trust.assertCurrent();
      const { id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt, device, ip, lastUsedAt } = session;
      await redisCommand(() =>
        createSessionScript(
          client,
          [keys.session(id), keys.userSessions(userId)],
          [id, userId, mode, csrfToken, refreshJti, createdAt, expiresAt, revokedAt ?? '', device, ip, lastUsedAt],
        ),
      );
      view.remember(session);
    },

    async find(id) {
      trust.assertCurrent();
      return findRemembered(view, id, async () => toSession(id, await redisCommand(() => client.hgetall(keys.session(id)))));
    },

    async rotateRefreshToken(id, presentedJti, next, now) {
      trust.assertCurrent();
      const result = await revoking(
        ({ from, notice }) =>
          rotateRefreshScript(client, [keys.session(id), keys.revoked], [id, presentedJti, next.jti, next.expiresAt, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
        (reply) => {
          const [value, receivers = 0] = reply as [RotationResult, number?];
          return { value, revokedIds: value === 'reused' ? [id] : [], receivers };
        },
        now,
      );
      rememberRotation(view, id, result, next);
      return result;
    },

    async revoke(id, now) {
      trust.assertCurrent();
      await revoking(
        ({ from, notice }) => revokeSessionScript(client, [keys.session(id), keys.revoked], [id, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
        (reply) => ({ value: undefined, revokedIds: (reply as number) >= 0 ? [id] : [], receivers: reply as number }),
        now,
      );
    },

    // Not on the hot path (the sessions page): read from Redis, not from this instance's memory.
    async listForUser(userId, now) {
      trust.assertCurrent();
      const ids = await redisCommand(() => client.zrangebyscore(keys.userSessions(userId), `(${now}`, '+inf'));
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.hgetall(keys.session(id));
      const replies = ids.length === 0 ? [] : ((await redisCommand(() => pipeline.exec())) ?? []);
      const found: SessionRecord[] = [];
      replies.forEach(([error, fields], i) => {
        if (error) throw new StoreUnavailableError(error);
        const session = toSession(ids[i]!, fields as Record<string, string>);
        if (session && session.userId === userId && session.expiresAt > now) {
          const known = view.withRevocation(session);
          if (known.revokedAt === null) found.push(known);
        }
      });
      return found.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    },

    async recordUse(id, at) {
      trust.assertCurrent();
      await redisCommand(() => recordUseScript(client, [keys.session(id)], [at]));
      rememberUse(view, id, at);
    },

    async revokeAllForUser(userId, now) {
      trust.assertCurrent();
      return revoking(
        ({ from, notice }) =>
          revokeUserSessionsScript(client, [keys.userSessions(userId), keys.revoked], [userId, now, accessTokenTtlMs, keyPrefix, keys.channel, from, notice]),
        (reply) => {
          const [receivers, ids] = reply as [number, string[]];
          return { value: ids, revokedIds: ids, receivers };
        },
        now,
      );
    },

    // Redis expires session keys by itself; what is left is the revoked set and this instance's memory.
    async purgeExpired(now) {
      view.forgetExpired(now);
      trust.assertCurrent();
      await redisCommand(() => client.zremrangebyscore(keys.revoked, '-inf', now - accessTokenTtlMs));
    },
  } satisfies SessionStore;

  return Object.assign(sessions, {
    /** Subscribes and loads the revoked set; rejects with StoreUnavailableError if that takes longer than `timeoutMs`. */
    start: (timeoutMs = 5_000) => feed.start(timeoutMs),
    stop: () => feed.stop(),
    assertCurrent: () => trust.assertCurrent(),
    /** Tests and diagnostics: is this instance trusting its view right now? */
    isCurrent: () => trust.isCurrent,
  });
}

export type RedisSessionStore = ReturnType<typeof createRedisSessionStore>;
