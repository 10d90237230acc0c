import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailsClosedAndKeepsMissedRevocation, failsClosed } from '../../../test/support/fail-closed.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from '../../../test/support/redis-server.js';
import { newSessionRecord } from '../../../test/support/session-record.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { ConfigError } from '../../config/config.js';
import { createRedisAttemptStore } from './redis-attempt-store.js';
import { connectRedis, describeRedisUrl } from './redis-connection.js';
import { VIEW_DEFAULTS } from '../revocation/revocation-view.js';
import { createRedisSessionStore } from './redis-session-store.js';

// What the Redis adapter promises beyond the shared suite: several instances agree at once with
// no Redis call per token check, keys expire with what they guard, and an instance that cannot
// trust its view of revocations refuses to answer until it has resynchronised.

const ACCESS_TTL_MS = 60_000;
const HOUR = 60 * 60 * 1000;

let redis: RedisServer;
let admin: Redis;
const opened: Array<{ close(): void }> = [];

beforeAll(async () => {
  redis = await startRedisServer();
  admin = redis.connect();
});
afterAll(async () => {
  for (const instance of opened) instance.close();
  admin?.disconnect();
  await redis?.dispose();
});

/** One app instance's view of Redis: its own two connections and memory. */
async function openInstance(keyPrefix: string, options: { heartbeatMs?: number } = {}) {
  const { client, subscriber } = await connectRedis(redis.url);
  const sessions = createRedisSessionStore({ client, subscriber, keyPrefix, accessTokenTtlMs: ACCESS_TTL_MS, ...options });
  await sessions.start();
  const instance = {
    sessions,
    attempts: createRedisAttemptStore({ client, keyPrefix }),
    client,
    subscriber,
    close() {
      sessions.stop();
      client.disconnect();
      subscriber.disconnect();
    },
  };
  opened.push(instance);
  return instance;
}

/** Commands Redis has run, not counting the heartbeats and this test's own INFO. */
async function commandsServed(): Promise<number> {
  let total = 0;
  for (const [, name, calls] of (await admin.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    if (name !== 'ping' && name !== 'info') total += Number(calls);
  }
  return total;
}

describe('Redis session store across instances', () => {
  it('answers find from memory once a session has been seen: no Redis command per token check', async () => {
    const prefix = uniqueKeyPrefix('hot-path');
    const [a, b] = [await openInstance(prefix), await openInstance(prefix)];
    const session = newSessionRecord();
    await a.sessions.create(session);
    expect(await b.sessions.find(session.id)).toEqual(session); // first sight: one read

    const before = await commandsServed();
    for (let i = 0; i < 200; i++) expect((await b.sessions.find(session.id))?.revokedAt).toBeNull();
    expect(await commandsServed()).toBe(before);
  });

  it('returns from a revocation only once the other instances have applied it', async () => {
    const prefix = uniqueKeyPrefix('confirmed');
    const [a, b, c] = [await openInstance(prefix), await openInstance(prefix), await openInstance(prefix)];
    for (let i = 0; i < 20; i++) {
      const session = newSessionRecord();
      await a.sessions.create(session);
      await b.sessions.find(session.id);
      await c.sessions.find(session.id);
      const revokedAt = Date.now();
      await a.sessions.revoke(session.id, revokedAt);
      // No waiting: the very next look on any instance sees it.
      expect((await b.sessions.find(session.id))?.revokedAt).toBe(revokedAt);
      expect((await c.sessions.find(session.id))?.revokedAt).toBe(revokedAt);
    }
  });

  it('spreads revokeAllForUser and reuse detection to the other instances before returning', async () => {
    const prefix = uniqueKeyPrefix('spread');
    const [a, b] = [await openInstance(prefix), await openInstance(prefix)];
    const first = newSessionRecord();
    const second = { ...newSessionRecord(), userId: first.userId };
    const reused = newSessionRecord();
    for (const session of [first, second, reused]) {
      await a.sessions.create(session);
      await b.sessions.find(session.id);
    }
    const now = Date.now();
    expect((await a.sessions.revokeAllForUser(first.userId, now)).sort()).toEqual([first.id, second.id].sort());
    expect((await b.sessions.find(first.id))?.revokedAt).toBe(now);
    expect((await b.sessions.find(second.id))?.revokedAt).toBe(now);

    await a.sessions.rotateRefreshToken(reused.id, reused.refreshJti, { jti: randomUUID(), expiresAt: now + HOUR }, now);
    expect(await a.sessions.rotateRefreshToken(reused.id, reused.refreshJti, { jti: randomUUID(), expiresAt: now + HOUR }, now + 1)).toBe('reused');
    expect((await b.sessions.find(reused.id))?.revokedAt).toBe(now + 1);
  });

  it('waits for confirmations no longer than its timeout when a listener never confirms', async () => {
    const prefix = uniqueKeyPrefix('silent-listener');
    const a = await openInstance(prefix);
    const silent = redis.connect();
    await silent.subscribe(`${prefix}revocations`);
    try {
      const session = newSessionRecord();
      await a.sessions.create(session);
      const started = performance.now();
      await a.sessions.revoke(session.id, Date.now());
      const waited = performance.now() - started;
      const timeout = VIEW_DEFAULTS.confirmationTimeoutMs;
      expect(waited).toBeGreaterThanOrEqual(timeout - 5);
      expect(waited).toBeLessThan(timeout + 300);
      expect((await a.sessions.find(session.id))?.revokedAt).not.toBeNull();
    } finally {
      silent.disconnect();
    }
  });

  it('shows a rotation made on one instance in find on another', async () => {
    const prefix = uniqueKeyPrefix('rotation');
    const [a, b] = [await openInstance(prefix), await openInstance(prefix)];
    const session = newSessionRecord();
    await a.sessions.create(session);
    await b.sessions.find(session.id);
    const next = { jti: randomUUID(), expiresAt: session.expiresAt + HOUR };
    expect(await a.sessions.rotateRefreshToken(session.id, session.refreshJti, next, Date.now())).toBe('rotated');
    await waitFor(async () => (await b.sessions.find(session.id))?.refreshJti === next.jti, 1_000);
    expect(await b.sessions.find(session.id)).toEqual({ ...session, ...{ refreshJti: next.jti, expiresAt: next.expiresAt } });
  });
});

describe('Redis keys', () => {
  it('expire when what they guard expires: a session at its end, a revoked one after its last access token', async () => {
    const prefix = uniqueKeyPrefix('expiry');
    const instance = await openInstance(prefix);
    const now = Date.now();
    const session = newSessionRecord(now);
    await instance.sessions.create(session);
    expect(await admin.pexpiretime(`${prefix}session:${session.id}`)).toBe(session.expiresAt);
    expect(await admin.pexpiretime(`${prefix}user-sessions:${session.userId}`)).toBe(session.expiresAt);

    await instance.sessions.revoke(session.id, now + 1000);
    expect(await admin.pexpiretime(`${prefix}session:${session.id}`)).toBe(now + 1000 + ACCESS_TTL_MS);
    expect(await admin.pexpiretime(`${prefix}revoked`)).toBe(now + 1000 + ACCESS_TTL_MS);
    expect(await admin.zscore(`${prefix}revoked`, session.id)).toBe(String(now + 1000));

    // A revoked session about to end anyway is kept only until its end.
    const ending = { ...newSessionRecord(now), expiresAt: now + 5_000 };
    await instance.sessions.create(ending);
    await instance.sessions.revoke(ending.id, now);
    expect(await admin.pexpiretime(`${prefix}session:${ending.id}`)).toBe(ending.expiresAt);

    const window = await instance.attempts.reserve('login:user:someone', 10, 15 * 60 * 1000, now);
    expect(await admin.pexpiretime(`${prefix}attempts:login:user:someone`)).toBe(window.resetAt);

    // Every key of the prefix expires by itself; the user's set went with its last live session.
    const keys = await admin.keys(`${prefix}*`);
    expect(keys.sort()).toEqual(
      [`${prefix}attempts:login:user:someone`, `${prefix}revoked`, `${prefix}session:${ending.id}`, `${prefix}session:${session.id}`].sort(),
    );
    for (const key of keys) expect(await admin.pttl(key), key).toBeGreaterThan(0);
  });

  it('drops revocations from the revoked set, and from memory, once their tokens have all expired', async () => {
    const prefix = uniqueKeyPrefix('purge');
    const instance = await openInstance(prefix);
    const now = Date.now();
    const [old, recent] = [newSessionRecord(now), newSessionRecord(now)];
    for (const session of [old, recent]) await instance.sessions.create(session);
    await instance.sessions.revoke(old.id, now - ACCESS_TTL_MS - 1);
    await instance.sessions.revoke(recent.id, now);
    await instance.sessions.purgeExpired(now);
    expect(await admin.zrange(`${prefix}revoked`, '0', '-1')).toEqual([recent.id]);
  });
});

describe('Redis fail-closed behaviour', () => {
  it('refuses every session operation while disconnected, then resynchronises and keeps a revocation it missed meanwhile', async () => {
    const prefix = uniqueKeyPrefix('resync');
    const [a, b] = [await openInstance(prefix), await openInstance(prefix)];
    const session = newSessionRecord();
    await a.sessions.create(session);
    await expectFailsClosedAndKeepsMissedRevocation({
      a: a.sessions,
      b: b.sessions,
      session,
      unstored: newSessionRecord(),
      // Redis closes both of B's connections, as when Redis restarts or a proxy drops them.
      cutB: async () => {
        for (const connection of [b.client, b.subscriber]) await admin.client('KILL', 'ADDR', `127.0.0.1:${connection.stream.localPort}`);
      },
      noticeWithinMs: 500,
    });
  });

  it('fails closed when Redis stops answering without closing the connection, and recovers when it answers again', async () => {
    const prefix = uniqueKeyPrefix('frozen');
    const instance = await openInstance(prefix, { heartbeatMs: 200 });
    const session = newSessionRecord();
    await instance.sessions.create(session);
    process.kill(redis.pid!, 'SIGSTOP');
    try {
      const noticed = await waitFor(() => failsClosed(() => instance.sessions.find(session.id)), 1_000);
      expect(noticed).toBeLessThan(600);
    } finally {
      process.kill(redis.pid!, 'SIGCONT');
    }
    await waitFor(() => instance.sessions.isCurrent(), 5_000);
    expect(await instance.sessions.find(session.id)).toEqual(session);
  });
});

describe('connecting to Redis', () => {
  it('gives up within a few seconds with a ConfigError naming REDIS_URL, without the password', async () => {
    const started = performance.now();
    const error = await connectRedis('redis://:hunter2secret@127.0.0.1:1', 1_000).catch((thrown: unknown) => thrown);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('REDIS_URL');
    expect((error as Error).message).toMatch(/^REDIS_URL cannot be reached at redis:\/\/127\.0\.0\.1:1 /);
    expect((error as Error).message).not.toContain('hunter2secret');
    expect(describeRedisUrl('rediss://user:pw@cache.internal:6380/2')).toBe('rediss://cache.internal:6380');
  });
});
