import type { Pool } from 'pg';
import type { RevocationNotice } from '../revocation/confirmations.js';
import { query, transaction, type Queryable } from './postgres-connection.js';
import { COUNT_LISTENERS_SQL, createPostgresRevocationFeed, REVOCATION_CHANNEL } from './postgres-revocation-feed.js';
import { withViewDefaults, type RevocationViewTuning } from '../revocation/revocation-view.js';
import { createRememberedSessionStore, type SharedSessionQueries } from '../revocation/remembered-sessions.js';
import { SESSION_COLUMNS, sessionFromRow, type SessionRow } from '../sql-rows.js';

export interface PostgresSessionStoreOptions extends RevocationViewTuning {
  url: string;
  pool: Pool;
  /** ACCESS_TOKEN_TTL in ms: how long a revocation matters (tokens are checked with no clock tolerance). */
  accessTokenTtlMs: number;
  now: () => number;
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
 * LISTEN/NOTIFY) keeps that memory honest, so verifying a token costs no query
 * (../revocation/remembered-sessions.ts); here are only the queries. Call `start()` before use and
 * `stop()` before closing the pool.
 */
export function createPostgresSessionStore(options: PostgresSessionStoreOptions) {
  const { pool, accessTokenTtlMs } = options;
  const feed = createPostgresRevocationFeed({ url: options.url, pool, accessTokenTtlMs, now: options.now, ...withViewDefaults(options) });

  const queries: SharedSessionQueries = {
    async insert(session) {
      await query(
        pool,
        `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [session.id, session.userId, session.mode, session.csrfToken, session.refreshJti, session.createdAt, session.expiresAt, session.revokedAt, session.device, session.ip, session.lastUsedAt],
      );
    },

    async load(id) {
      const [row] = await query<SessionRow>(pool, `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);
      return row && sessionFromRow(row);
    },

    rotateRefreshToken: (id, presentedJti, next, now, notice) =>
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

    revoke: (id, now, notice) =>
      transaction(pool, async (db) => {
        const revoked = await query(db, 'UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now]);
        if (revoked.length === 0) return { value: undefined, revokedIds: [], receivers: 0 };
        return { value: undefined, revokedIds: [id], receivers: await notifyRevoked(db, [id], now, notice) };
      }),

    revokeAllForUser: (userId, now, notice) =>
      transaction(pool, async (db) => {
        const rows = await query<{ id: string }>(db, 'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId, now]);
        const ids = rows.map((row) => row.id);
        if (ids.length === 0) return { value: ids, revokedIds: ids, receivers: 0 };
        return { value: ids, revokedIds: ids, receivers: await notifyRevoked(db, ids, now, notice) };
      }),

    async listForUser(userId, now) {
      const rows = await query<SessionRow>(
        pool,
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id`,
        [userId, now],
      );
      return rows.map(sessionFromRow);
    },

    async recordUse(id, at) {
      await query(pool, 'UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2', [id, at]);
    },

    // Revoked sessions stay until they expire: a resynchronisation reads the recent revocations from them.
    async purgeExpired(now) {
      await query(pool, 'DELETE FROM sessions WHERE expires_at <= $1', [now]);
    },
  };

  return Object.assign(createRememberedSessionStore(feed, queries), {
    /** Tests: the listening connection's server process, to cut it from outside. */
    listenerPid: () => feed.listenerPid,
  });
}

export type PostgresSessionStore = ReturnType<typeof createPostgresSessionStore>;
