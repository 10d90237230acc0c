import type { Pool } from 'pg';
import type { AttemptStore, SpentLinkStore, UserStore } from '../types.js';
import { query } from './postgres-connection.js';
import { USER_COLUMNS, userFromRow, type UserRow } from '../sql-rows.js';

/** Accounts shared by every instance on the database; usernames unique regardless of case (a unique index on lower(username)). */
export function createPostgresUserStore({ pool }: { pool: Pool }) {
  return {
    async create(user) {
      const inserted = await query(
        pool,
        `INSERT INTO users (id, username, password_hash, created_at, email, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
        [user.id, user.username, user.passwordHash, user.createdAt, user.email ?? null, user.emailVerifiedAt ?? null],
      );
      return inserted.length === 1;
    },
    async findByUsername(username) {
      const [row] = await query<UserRow>(pool, `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1)`, [username]);
      return row && userFromRow(row);
    },
    async findById(id) {
      const [row] = await query<UserRow>(pool, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
      return row && userFromRow(row);
    },
    async findByEmail(email) {
      const rows = await query<UserRow>(pool, `SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1) ORDER BY created_at, id`, [email]);
      return rows.map(userFromRow);
    },
    async markEmailVerified(id, at) {
      await query(pool, 'UPDATE users SET email_verified_at = $2 WHERE id = $1', [id, at]);
    },
    async setPasswordHash(id, passwordHash) {
      await query(pool, 'UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
    },
  } satisfies UserStore;
}

/** Tables of ids that may be used once (each kept until what it stands for has expired). */
export type SeenOnceTable = 'spent_links' | 'seen_proofs';

/**
 * Ids used once: spent link tokens, and seen DPoP proofs. The primary key makes a spend atomic: of
 * two concurrent inserts of one id, on any instances, one inserts and the other conflicts.
 */
export function createPostgresSeenOnceStore({ pool, table }: { pool: Pool; table: SeenOnceTable }) {
  // `table` is one of two fixed names, never input: an identifier cannot be a bound parameter.
  return {
    async spend(jti, expiresAt) {
      const inserted = await query(pool, `INSERT INTO ${table} (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING jti`, [jti, expiresAt]);
      return inserted.length === 1;
    },
    async purgeExpired(now) {
      await query(pool, `DELETE FROM ${table} WHERE expires_at <= $1`, [now]);
    },
  } satisfies SpentLinkStore;
}

export const createPostgresSpentLinkStore = ({ pool }: { pool: Pool }) => createPostgresSeenOnceStore({ pool, table: 'spent_links' });

/**
 * Fixed windows per key. A reservation is one statement, which PostgreSQL runs under the row's
 * lock: of any number of concurrent reservations on any instances, at most `limit` are granted.
 */
export function createPostgresAttemptStore({ pool }: { pool: Pool }) {
  type Window = { count: number; reset_at: number };
  const live = async (key: string, now: number) => {
    const [row] = await query<Window>(pool, 'SELECT count, reset_at FROM attempts WHERE key = $1 AND reset_at > $2', [key, now]);
    return row && { count: row.count, resetAt: row.reset_at };
  };
  return {
    async reserve(key, limit, windowMs, now) {
      // An ended window starts again at 1; a live one grows unless it is full, in which case the
      // WHERE leaves the row as it is and nothing is returned.
      const [row] =
        limit > 0
          ? await query<Window>(
              pool,
              `INSERT INTO attempts AS a (key, count, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
               ON CONFLICT (key) DO UPDATE SET
                 count    = CASE WHEN a.reset_at <= $2 THEN 1 ELSE a.count + 1 END,
                 reset_at = CASE WHEN a.reset_at <= $2 THEN $2::bigint + $3::bigint ELSE a.reset_at END
               WHERE a.reset_at <= $2 OR a.count < $4
               RETURNING count, reset_at`,
              [key, now, windowMs, limit],
            )
          : [];
      if (row) return { granted: true, count: row.count, resetAt: row.reset_at };
      return { granted: false, ...((await live(key, now)) ?? { count: 0, resetAt: now + windowMs }) };
    },
    async release(key, now) {
      await query(pool, 'UPDATE attempts SET count = count - 1 WHERE key = $1 AND reset_at > $2 AND count > 0', [key, now]);
    },
    peek: live,
    async reset(key) {
      await query(pool, 'DELETE FROM attempts WHERE key = $1', [key]);
    },
  } satisfies AttemptStore;
}
