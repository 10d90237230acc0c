import type { Pool } from 'pg';
import type { RotationResult, SessionStore, StoreLog } from '../types.js';
import type { RevocationNotice } from '../revocation/confirmations.js';
import { query, transaction, type Queryable } from './postgres-connection.js';
import { COUNT_LISTENERS_SQL, createPostgresRevocationFeed, REVOCATION_CHANNEL } from './postgres-revocation-feed.js';
import { VIEW_DEFAULTS } from '../revocation/revocation-view.js';
import { confirmedRevocation, findRemembered, rememberRotation, rememberUse } from '../revocation/remembered-sessions.js';
import { SESSION_COLUMNS, sessionFromRow, type SessionRow } from '../sql-rows.js';

export interface PostgresSessionStoreOptions {
  url: string;
  pool: Pool;
  /** ACCESS_TOKEN_TTL in ms: how long a revocation matters (tokens are checked with no clock tolerance). */
  accessTokenTtlMs: number;
  now: () => number;
  sessionCacheSize?: number;
  heartbeatMs?: number;
  confirmationTimeoutMs?: number;
  log?: StoreLog | undefined;
}

/** NOTIFY payloads must stay under 8000 bytes: a long list of revoked ids goes in several messages. */
const IDS_PER_MESSAGE = 150;

/**
 * Revokes inside the caller's transaction: counts the listening instances and queues the NOTIFY
 * messages, which PostgreSQL delivers at COMMIT, together and in order. Returns the receivers.
 */
async function notifyRevoked(db: Queryable, ids: readonly string[], at: number, notice: RevocationNotice): Promise<number> {
  const [row] = await query<{ receivers: number }>(db, COUNT_LISTENERS_SQL);
  for (let start = 0; start < ids.length; start += IDS_PER_MESSAGE) {
    const chunk = ids.slice(start, start + IDS_PER_MESSAGE);
    const last = start + IDS_PER_MESSAGE >= ids.length;
    await query(db, 'SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify({ revoked: chunk, at, ...notice, last })]);
  }
  return row?.receivers ?? 0;
}

/**
 * Sessions in PostgreSQL, shared by every instance on the database. As with Redis, `find` answers
 * from memory once a session has been seen, and the revocation view (kept current by
 * LISTEN/NOTIFY) keeps that memory honest, so verifying a token costs no query. Call `start()`
 * before use and `stop()` before closing the pool.
 */
export function createPostgresSessionStore(options: PostgresSessionStoreOptions) {
  const { pool, accessTokenTtlMs } = options;
  const feed = createPostgresRevocationFeed({
    url: options.url,
    pool,
    accessTokenTtlMs,
    now: options.now,
    sessionCacheSize: options.sessionCacheSize ?? VIEW_DEFAULTS.sessionCacheSize,
    heartbeatMs: options.heartbeatMs ?? VIEW_DEFAULTS.heartbeatMs,
    confirmationTimeoutMs: options.confirmationTimeoutMs ?? VIEW_DEFAULTS.confirmationTimeoutMs,
    log: options.log,
  });
  const { view } = feed;
  const { trust } = view;

  /** A write that may revoke: confirmed by every listening instance before it returns. */
  function revoking<T>(run: (notice: RevocationNotice) => Promise<{ value: T; revokedIds: string[]; receivers: number }>, now: number): Promise<T> {
    return confirmedRevocation(view, run, (reply) => reply, now);
  }

  const sessions = {
    async create(session) {
      trust.assertCurrent();
      await query(
        pool,
        `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [session.id, session.userId, session.mode, session.csrfToken, session.refreshJti, session.createdAt, session.expiresAt, session.revokedAt, session.device, session.ip, session.lastUsedAt],
      );
      view.remember(session);
    },

    async find(id) {
      trust.assertCurrent();
      return findRemembered(view, id, async () => {
        const [row] = await query<SessionRow>(pool, `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);
        return row && sessionFromRow(row);
      });
    },

    async rotateRefreshToken(id, presentedJti, next, now) {
      trust.assertCurrent();
      const result = await revoking<RotationResult>(
        (notice) =>
          transaction(pool, async (db) => {
            // Compare-and-swap: of two rotations of one jti, the second waits for the first's row
            // lock, then finds the jti changed and takes the reuse path below.
            const swapped = await query(
              db,
              `UPDATE sessions SET refresh_jti = $3, expires_at = $4
               WHERE id = $1 AND refresh_jti = $2 AND revoked_at IS NULL AND expires_at > $5 RETURNING id`,
              [id, presentedJti, next.jti, next.expiresAt, now],
            );
            if (swapped.length === 1) {
              await query(db, 'SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify({ changed: id })]);
              return { value: 'rotated' as const, revokedIds: [], receivers: 0 };
            }
            const [row] = await query<{ revoked_at: number | null; expires_at: number }>(
              db,
              'SELECT revoked_at, expires_at FROM sessions WHERE id = $1 FOR UPDATE',
              [id],
            );
            if (!row || row.revoked_at !== null || row.expires_at <= now) return { value: 'ended' as const, revokedIds: [], receivers: 0 };
            // An older refresh token came back: it was copied, so the whole session ends.
            await query(db, 'UPDATE sessions SET revoked_at = $2 WHERE id = $1', [id, now]);
            return { value: 'reused' as const, revokedIds: [id], receivers: await notifyRevoked(db, [id], now, notice) };
          }),
        now,
      );
      rememberRotation(view, id, result, next);
      return result;
    },

    async revoke(id, now) {
      trust.assertCurrent();
      await revoking(
        (notice) =>
          transaction(pool, async (db) => {
            const revoked = await query(db, 'UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now]);
            if (revoked.length === 0) return { value: undefined, revokedIds: [], receivers: 0 };
            return { value: undefined, revokedIds: [id], receivers: await notifyRevoked(db, [id], now, notice) };
          }),
        now,
      );
    },

    async revokeAllForUser(userId, now) {
      trust.assertCurrent();
      return revoking(
        (notice) =>
          transaction(pool, async (db) => {
            const rows = await query<{ id: string }>(db, 'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, now]);
            const ids = rows.map((row) => row.id);
            if (ids.length === 0) return { value: ids, revokedIds: ids, receivers: 0 };
            return { value: ids, revokedIds: ids, receivers: await notifyRevoked(db, ids, now, notice) };
          }),
        now,
      );
    },

    // Not on the hot path (the sessions page): read from the database, not from this instance's memory.
    async listForUser(userId, now) {
      trust.assertCurrent();
      const rows = await query<SessionRow>(
        pool,
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id`,
        [userId, now],
      );
      return rows.map(sessionFromRow).map(view.withRevocation).filter((session) => session.revokedAt === null);
    },

    async recordUse(id, at) {
      trust.assertCurrent();
      await query(pool, 'UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2', [id, at]);
      rememberUse(view, id, at);
    },

    // Revoked sessions stay until they expire: a resynchronisation reads the recent revocations from them.
    async purgeExpired(now) {
      view.forgetExpired(now);
      trust.assertCurrent();
      await query(pool, 'DELETE FROM sessions WHERE expires_at <= $1', [now]);
    },
  } satisfies SessionStore;

  return Object.assign(sessions, {
    /** LISTENs and loads the recent revocations; rejects with StoreUnavailableError if that takes longer than `timeoutMs`. */
    start: (timeoutMs = 5_000) => feed.start(timeoutMs),
    stop: () => feed.stop(),
    assertCurrent: () => trust.assertCurrent(),
    /** Tests and diagnostics. */
    isCurrent: () => trust.isCurrent,
    listenerPid: () => feed.listenerPid,
  });
}

export type PostgresSessionStore = ReturnType<typeof createPostgresSessionStore>;
