import type { RotationResult, SessionRecord, SessionStore } from '../types.js';
import type { RevocationNotice, RevokingWrite } from './confirmations.js';
import type { RevocationView } from './revocation-view.js';

// The session store of every engine whose instances share sessions through a revocation view
// (Redis, PostgreSQL): reads answered from memory, writes reflected in it, revoking writes
// confirmed by every instance, and nothing answered while the view is not trusted. Only the
// queries differ per engine (SharedSessionQueries).


/**
 * One engine's queries, each a single round trip (or transaction) that knows nothing of memory or
 * trust. A revoking write publishes what it revoked with `notice`, in the same transaction or
 * script, and says how many instances will receive it.
 */
export interface SharedSessionQueries {
  insert(session: SessionRecord): Promise<void>;
  load(id: string): Promise<SessionRecord | undefined>;
  rotateRefreshToken(id: string, presentedJti: string, next: { jti: string; expiresAt: number }, now: number, notice: RevocationNotice): Promise<RevokingWrite<RotationResult>>;
  revoke(id: string, now: number, notice: RevocationNotice): Promise<RevokingWrite<undefined>>;
  revokeAllForUser(userId: string, now: number, notice: RevocationNotice): Promise<RevokingWrite<string[]>>;
  /** The user's sessions that the engine's own records call live at `now`, newest first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Never moves lastUsedAt back. */
  recordUse(id: string, at: number): Promise<void>;
  /** Drops what has expired at `now` from the engine (the view forgets its part itself). */
  purgeExpired(now: number): Promise<void>;
}

/**
 * Keeps a revocation view current through one engine's messages (redis-revocation-feed.ts,
 * postgres-revocation-feed.ts). `Stopped` is what its stop() returns: a feed that must wait for
 * its connection to close returns a promise, and so does the store's stop().
 */
export interface RevocationFeed<Stopped extends void | Promise<void>> {
  readonly view: RevocationView;
  /** Tries to make the view current; does nothing while it is current or an attempt is running. */
  resynchronise(): Promise<void>;
  stop(): Stopped;
}

export function createRememberedSessionStore<Stopped extends void | Promise<void>>(feed: RevocationFeed<Stopped>, queries: SharedSessionQueries) {
  const { view } = feed;
  const { trust } = view;

  /** A write that may revoke: returns once every instance that received the news has applied it (confirmations.ts). */
  function revoking<T>(write: (notice: RevocationNotice) => Promise<RevokingWrite<T>>, now: number): Promise<T> {
    return view.confirmations.confirmRevocation(write, (ids) => view.noteRevoked(ids, now));
  }

  const sessions = {
    async create(session) {
      trust.assertCurrent();
      await queries.insert(session);
      view.remember(session);
    },

    /** The remembered session if there is one; else it is read and remembered, unless trust was lost during the read. */
    async find(id) {
      trust.assertCurrent();
      const known = view.recall(id);
      if (known) return known;
      const epoch = trust.epoch;
      const session = await queries.load(id);
      if (!session) return undefined;
      view.remember(session, epoch);
      return view.withRevocation(session);
    },

    async rotateRefreshToken(id, presentedJti, next, now) {
      trust.assertCurrent();
      const result = await revoking((notice) => queries.rotateRefreshToken(id, presentedJti, next, now, notice), now);
      // A successful rotation changes the remembered copy; the other outcomes revoked or ended it.
      const cached = view.recall(id);
      if (result === 'rotated' && cached) view.remember({ ...cached, refreshJti: next.jti, expiresAt: next.expiresAt });
      return result;
    },

    async revoke(id, now) {
      trust.assertCurrent();
      await revoking((notice) => queries.revoke(id, now, notice), now);
    },

    async revokeAllForUser(userId, now) {
      trust.assertCurrent();
      return revoking((notice) => queries.revokeAllForUser(userId, now, notice), now);
    },

    // Not on the hot path (the sessions page): read from the engine, not from this instance's memory.
    async listForUser(userId, now) {
      trust.assertCurrent();
      const live = await queries.listForUser(userId, now);
      return live.map(view.withRevocation).filter((session) => session.revokedAt === null);
    },

    async recordUse(id, at) {
      trust.assertCurrent();
      await queries.recordUse(id, at);
      // Last use only moves forward, as in the engine's own update.
      const cached = view.recall(id);
      if (cached && cached.lastUsedAt < at) view.remember({ ...cached, lastUsedAt: at });
    },

    async purgeExpired(now) {
      view.forgetExpired(now);
      trust.assertCurrent();
      await queries.purgeExpired(now);
    },
  } satisfies SessionStore;

  return Object.assign(sessions, {
    /** Makes the view current (subscribes or LISTENs, then loads the recent revocations); rejects with StoreUnavailableError if that takes longer than `timeoutMs`. */
    start(timeoutMs = 5_000): Promise<void> {
      const current = trust.whenCurrent(timeoutMs);
      void feed.resynchronise();
      return current;
    },
    /** Call before closing the engine's connections. */
    stop: (): Stopped => feed.stop(),
    assertCurrent: () => trust.assertCurrent(),
    /** Tests and diagnostics: is this instance trusting its view right now? */
    isCurrent: () => trust.isCurrent,
  });
}
