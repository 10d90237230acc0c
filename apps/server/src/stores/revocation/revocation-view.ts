import { randomBytes } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { createBoundedMap } from '../../collections/bounded-map.js';
import type { SessionRecord, StoreLog } from '../types.js';
import { createConfirmations } from './confirmations.js';
import { createTrustState } from './trust-state.js';

/** What every engine's view starts with unless told otherwise. */
export const VIEW_DEFAULTS = {
  /** Sessions kept in memory; the oldest leave first. */
  sessionCacheSize: 10_000,
  /** How often both connections are pinged; one that does not answer within that time fails the view. */
  heartbeatMs: 1_000,
  /**
   * The longest a revocation waits for the other instances to confirm. Alive instances confirm in
   * about a millisecond, busy ones in tens; one that has not confirmed within a second is hung or
   * gone, and its own heartbeat fails it closed soon after.
   */
  confirmationTimeoutMs: 1_000,
};

/** What a store built on a view may set for its view and feed; whatever is left out takes VIEW_DEFAULTS. */
export interface RevocationViewTuning {
  sessionCacheSize?: number;
  heartbeatMs?: number;
  confirmationTimeoutMs?: number;
  log?: StoreLog | undefined;
}

export function withViewDefaults({ sessionCacheSize, heartbeatMs, confirmationTimeoutMs, log }: RevocationViewTuning) {
  return {
    sessionCacheSize: sessionCacheSize ?? VIEW_DEFAULTS.sessionCacheSize,
    heartbeatMs: heartbeatMs ?? VIEW_DEFAULTS.heartbeatMs,
    confirmationTimeoutMs: confirmationTimeoutMs ?? VIEW_DEFAULTS.confirmationTimeoutMs,
    log,
  };
}

// What one instance knows without asking its session store: the revoked session ids, a bounded
// cache of sessions it has seen, and whether to trust both (trust-state.ts). The engine's feed
// (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) delivers revocation messages to `receive` and drives
// the trust state; revoking writes go through `confirmRevocation` (confirmations.ts).

/** Published by every revoking or rotating write; `from` and `notice` say where to confirm. */
export const RevocationMessage = Type.Union([
  Type.Object({
    revoked: Type.Array(Type.String()),
    at: Type.Union([Type.Number(), Type.String()]),
    from: Type.String(),
    notice: Type.String(),
    /** A long list travels in several messages of one transaction; only the last one is confirmed. */
    last: Type.Optional(Type.Boolean()),
  }),
  Type.Object({ changed: Type.String() }),
]);
export type RevocationMessage = Static<typeof RevocationMessage>;

export interface RevocationViewOptions {
  /** A revocation matters for this long; then every token of the session has expired. */
  accessTokenTtlMs: number;
  /** Most sessions kept in memory; the oldest leave first (no reordering on the hot path). */
  sessionCacheSize: number;
  /** Longest a revocation waits for the other instances to confirm they have applied it. */
  confirmationTimeoutMs: number;
  /** Sends this instance's confirmation of `notice` to the instance `to` that published it. */
  sendConfirmation: (to: string, notice: string) => void;
  log?: StoreLog | undefined;
}

export function createRevocationView(options: RevocationViewOptions) {
  const { accessTokenTtlMs, sessionCacheSize, confirmationTimeoutMs, sendConfirmation, log } = options;
  /** Lowercase hex: it also names a PostgreSQL channel, which must be a plain identifier. */
  const instanceId = randomBytes(8).toString('hex');
  /** Session id → revocation time. Only grows between purges: a revocation is never undone. */
  const revoked = new Map<string, number>();
  /** Session id → record as last read or written; the oldest write leaves first. */
  const sessions = createBoundedMap<string, SessionRecord>({ capacity: sessionCacheSize });
  // Rotations missed while away would leave stale copies; revocations are reloaded.
  const trust = createTrustState({ log, onDistrust: () => sessions.clear() });
  const confirmations = createConfirmations({ instanceId, timeoutMs: confirmationTimeoutMs, log });

  /** A revoked session's cached copy goes too: nothing about it should be answered from memory but the revocation. */
  function noteRevoked(ids: readonly string[], revokedAt: number) {
    for (const id of ids) {
      if (!revoked.has(id)) revoked.set(id, revokedAt);
      sessions.delete(id);
    }
  }

  function withRevocation(session: SessionRecord): SessionRecord {
    return { ...session, revokedAt: session.revokedAt ?? revoked.get(session.id) ?? null };
  }

  return {
    instanceId,
    trust,
    confirmations,
    noteRevoked,
    withRevocation,

    /** A message from the feed: apply it, then confirm it to its publisher. Anything malformed is ignored. */
    receive(text: string): void {
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (!Value.Check(RevocationMessage, message)) return;
      if ('changed' in message) {
        sessions.delete(message.changed);
        return;
      }
      noteRevoked(message.revoked, Number(message.at));
      if (message.last === false) return;
      // Applied: tell the revoking instance, which answers its client once every instance has.
      if (message.from === instanceId) confirmations.confirm(message.notice);
      else sendConfirmation(message.from, message.notice);
    },

    /** The cached session, with any revocation this instance has heard of. */
    recall(id: string): SessionRecord | undefined {
      const session = sessions.get(id);
      return session && withRevocation(session);
    },
    /** Caches a session read in `readInEpoch`, unless trust was lost since (it may predate a missed change). */
    remember(session: SessionRecord, readInEpoch = trust.epoch) {
      if (readInEpoch !== trust.epoch) return;
      sessions.set(session.id, { ...session });
    },
    forget(id: string) {
      sessions.delete(id);
    },
    /** Drops what no token can need any more: revocations older than an access token's life, expired sessions. */
    forgetExpired(now: number) {
      for (const [id, revokedAt] of revoked) if (revokedAt + accessTokenTtlMs <= now) revoked.delete(id);
      for (const [id, session] of sessions.entries()) if (session.expiresAt <= now) sessions.delete(id);
    },
    /** For tests and diagnostics. */
    get revokedCount() {
      return revoked.size;
    },
  };
}

export type RevocationView = ReturnType<typeof createRevocationView>;
