import { StoreUnavailableError, type AttemptStore, type SeenProofStore, type SpentLinkStore, type SessionRecord, type SessionStore, type Stores, type UserStore } from '../types.js';
import { createBoundedMap } from '../../collections/bounded-map.js';
import { createFileKeyStorage } from '../../tokens/file-key-storage.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { sessionFromRow, userFromRow, type SessionRow, type UserRow } from '../sql-rows.js';

/** SQLite errors other than constraint violations mean the engine failed: fail closed. */
function guard<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(new StoreUnavailableError(error));
  }
}

/** `.get()` answers undefined when no row matches; so does the store. */
const optional = <Row, Value>(row: Row | undefined, read: (row: Row) => Value): Value | undefined => row && read(row);

export function createSqliteUserStore({ db }: { db: SqliteDatabase }) {
  const insert = db.prepare(
    'INSERT INTO users (id, username, password_hash, created_at, email, email_verified_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ? ORDER BY created_at');
  const verifyEmail = db.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?');
  const setPassword = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
  return {
    create: (user) =>
      guard(() => insert.run(user.id, user.username, user.passwordHash, user.createdAt, user.email ?? null, user.emailVerifiedAt ?? null).changes === 1),
    findByUsername: (username) => guard(() => optional(byUsername.get(username), userFromRow)),
    findById: (id) => guard(() => optional(byId.get(id), userFromRow)),
    findByEmail: (email) => guard(() => byEmail.all(email).map(userFromRow)),
    markEmailVerified: (id, at) => guard(() => void verifyEmail.run(at, id)),
    setPasswordHash: (id, passwordHash) => guard(() => void setPassword.run(passwordHash, id)),
  } satisfies UserStore;
}

/** Sessions a process remembers between requests; a bound on memory, not on correctness. */
const SESSION_CACHE_SIZE = 10_000;

/**
 * Remembers sessions read on every request, so that checking a token costs no query. Our own
 * writes forget what they change. Sound only because this process owns the database file while
 * sessions live in it (openDatabase's exclusive mode): no other process can change a session
 * behind this memory (docs/decisions/008).
 */
function createSessionCache() {
  const sessions = createBoundedMap<string, SessionRecord>({ capacity: SESSION_CACHE_SIZE });
  return {
    get(id: string): SessionRecord | undefined {
      const session = sessions.get(id);
      return session && { ...session };
    },
    remember: (session: SessionRecord) => sessions.set(session.id, { ...session }),
    forget: (id: string) => void sessions.delete(id),
    forgetAll: () => sessions.clear(),
  };
}

export function createSqliteSessionStore({ db }: { db: SqliteDatabase }) {
  const cache = createSessionCache();
  const insert = db.prepare(
    `INSERT INTO sessions (id, user_id, mode, csrf_token, refresh_jti, created_at, expires_at, revoked_at, device, ip, last_used_at)
     VALUES (@id, @userId, @mode, @csrfToken, @refreshJti, @createdAt, @expiresAt, @revokedAt, @device, @ip, @lastUsedAt)`,
  );
  const liveOfUserNewestFirst = db.prepare<[string, number], SessionRow>(
    'SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id',
  );
  const markUsed = db.prepare('UPDATE sessions SET last_used_at = @at WHERE id = @id AND last_used_at < @at');
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const swapJti = db.prepare(
    `UPDATE sessions SET refresh_jti = @next, expires_at = @expiresAt
     WHERE id = @id AND refresh_jti = @presented AND revoked_at IS NULL AND expires_at > @now`,
  );
  const revokeOne = db.prepare('UPDATE sessions SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL');
  const liveOfUser = db.prepare<[string], { id: string }>('SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL');
  const revokeOfUser = db.prepare('UPDATE sessions SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL');
  const purge = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');

  // One transaction: the compare-and-swap and the revocation on reuse cannot interleave.
  const rotate = db.transaction((id: string, presented: string, next: { jti: string; expiresAt: number }, now: number) => {
    if (swapJti.run({ id, presented, next: next.jti, expiresAt: next.expiresAt, now }).changes === 1) return 'rotated' as const;
    const session = byId.get(id);
    if (!session || session.revoked_at !== null || session.expires_at <= now) return 'ended' as const;
    revokeOne.run({ id, now });
    return 'reused' as const;
  });
  const revokeAll = db.transaction((userId: string, now: number) => {
    const ids = liveOfUser.all(userId).map((row) => row.id);
    revokeOfUser.run({ userId, now });
    return ids;
  });

  // Every write forgets what it touched before anything can read it again.
  return {
    create: (session) => guard(() => void insert.run(session)),
    find: (id) =>
      guard(() => {
        const cached = cache.get(id);
        if (cached) return cached;
        const session = optional(byId.get(id), sessionFromRow);
        if (session) cache.remember(session);
        return session;
      }),
    rotateRefreshToken: (id, presentedJti, next, now) => guard(() => (cache.forget(id), rotate(id, presentedJti, next, now))),
    revoke: (id, now) => guard(() => void (cache.forget(id), revokeOne.run({ id, now }))),
    listForUser: (userId, now) => guard(() => liveOfUserNewestFirst.all(userId, now).map(sessionFromRow)),
    recordUse: (id, at) => guard(() => void (cache.forget(id), markUsed.run({ id, at }))),
    revokeAllForUser: (userId, now) => guard(() => (cache.forgetAll(), revokeAll(userId, now))),
    purgeExpired: (now) => guard(() => void (cache.forgetAll(), purge.run(now))),
  } satisfies SessionStore;
}

/**
 * Ids used once, as in PostgreSQL's createPostgresSeenOnceStore: the primary key makes a spend
 * atomic, one insert that either lands or conflicts. `table` and its id column are fixed names,
 * never input: an identifier cannot be a bound parameter.
 */
function createSqliteSeenOnceStore(db: SqliteDatabase, table: 'spent_links' | 'seen_proofs', idColumn: 'jti' | 'id') {
  const insert = db.prepare(`INSERT INTO ${table} (${idColumn}, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`);
  const purge = db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`);
  return {
    spend: (id, expiresAt) => guard(() => insert.run(id, expiresAt).changes === 1),
    purgeExpired: (now) => guard(() => void purge.run(now)),
  } satisfies SpentLinkStore;
}

export const createSqliteSpentLinkStore = ({ db }: { db: SqliteDatabase }): SpentLinkStore => createSqliteSeenOnceStore(db, 'spent_links', 'jti');

/** DPoP proof ids (hashed with their key) seen within the proof window: one insert per proof, which is the whole check. */
export const createSqliteSeenProofStore = ({ db }: { db: SqliteDatabase }): SeenProofStore => createSqliteSeenOnceStore(db, 'seen_proofs', 'id');

export function createSqliteAttemptStore({ db }: { db: SqliteDatabase }) {
  type Window = { count: number; reset_at: number };
  // One statement, so atomic: a window that has ended starts again at 1; a live one grows unless
  // it is full, in which case the WHERE keeps the row as it is and nothing is returned.
  const take = db.prepare<{ key: string; now: number; resetAt: number; limit: number }, Window>(
    `INSERT INTO attempts (key, count, reset_at) VALUES (@key, 1, @resetAt)
     ON CONFLICT(key) DO UPDATE SET
       count    = CASE WHEN reset_at <= @now THEN 1 ELSE count + 1 END,
       reset_at = CASE WHEN reset_at <= @now THEN @resetAt ELSE reset_at END
     WHERE reset_at <= @now OR count < @limit
     RETURNING count, reset_at`,
  );
  const giveBack = db.prepare('UPDATE attempts SET count = count - 1 WHERE key = @key AND reset_at > @now AND count > 0');
  const byKey = db.prepare<[string], Window>('SELECT count, reset_at FROM attempts WHERE key = ?');
  const remove = db.prepare('DELETE FROM attempts WHERE key = ?');
  const live = (key: string, now: number) => {
    const row = byKey.get(key);
    return row && row.reset_at > now ? { count: row.count, resetAt: row.reset_at } : undefined;
  };
  return {
    reserve: (key, limit, windowMs, now) =>
      guard(() => {
        const row = limit > 0 ? take.get({ key, now, resetAt: now + windowMs, limit }) : undefined;
        if (row) return { granted: true, count: row.count, resetAt: row.reset_at };
        return { granted: false, ...(live(key, now) ?? { count: 0, resetAt: now + windowMs }) };
      }),
    release: (key, now) => guard(() => void giveBack.run({ key, now })),
    peek: (key, now) => guard(() => live(key, now)),
    reset: (key) => guard(() => void remove.run(key)),
  } satisfies AttemptStore;
}

/**
 * Users, sessions and login attempts in one SQLite file under dataDir, which this process alone
 * may open (that keeps its session memory true). `exclusive: false` only where the sessions here
 * go unused: with Redis, instances share the file for users alone.
 */
export function createSqliteStores({ dataDir, exclusive = true }: { dataDir: string; exclusive?: boolean }): Stores {
  const db = openDatabase(dataDir, { exclusive });
  const ping = db.prepare('SELECT 1');
  return {
    kind: 'sqlite',
    users: createSqliteUserStore({ db }),
    links: createSqliteSpentLinkStore({ db }),
    proofs: createSqliteSeenProofStore({ db }),
    sessions: createSqliteSessionStore({ db }),
    attempts: createSqliteAttemptStore({ db }),
    signingKeys: createFileKeyStorage(dataDir),
    ping: () => guard(() => void ping.get()),
    close: async () => void db.close(),
  };
}
