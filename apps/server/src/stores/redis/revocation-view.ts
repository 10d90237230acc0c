import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError, type SessionRecord } from '../types.js';

/** Where the view reports that it stopped or started trusting itself (the app's logger fits). */
export interface StoreLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RevocationViewOptions {
  /** Runs commands: the initial load and every resynchronisation. */
  client: Redis;
  /** Only listens on `channel`: a subscribed connection can do nothing else. */
  subscriber: Redis;
  channel: string;
  /** The sorted set of revoked session ids, scored by revocation time. */
  revokedKey: string;
  /** A revocation matters for this long; then every token of the session has expired. */
  accessTokenTtlMs: number;
  /** Most sessions kept in memory; the oldest leave first (no reordering on the hot path). */
  sessionCacheSize: number;
  /** How often both connections are pinged; one that does not answer within that time fails the view. */
  heartbeatMs: number;
  /** Longest a revocation waits for the other instances to confirm they have applied it. */
  confirmationTimeoutMs: number;
  log?: StoreLog | undefined;
}

/** What one instance knows without asking Redis: revoked ids, recently seen sessions, and whether to trust both. */
export type RevocationView = ReturnType<typeof createRevocationView>;

/** Published by the session scripts on `channel`; `from` and `notice` say where to confirm a revocation. */
type RevocationMessage = { revoked: string[]; at: string; from: string; notice: string } | { changed: string };

/** A revocation this instance published, waiting for every receiving instance to confirm it. */
interface PendingNotice {
  confirmations: number;
  expected: number;
  settle?: () => void;
}

/**
 * This instance's copy of the revocations, kept current by pub/sub, and a bounded cache of sessions,
 * so that checking a token costs no Redis call. It is trusted ("current") only while both
 * connections are up and the revoked set has been reloaded after subscribing; otherwise every
 * session operation throws StoreUnavailableError (fail closed, see docs/decisions/005).
 */
export function createRevocationView(options: RevocationViewOptions) {
  const { client, subscriber, channel, revokedKey, accessTokenTtlMs, sessionCacheSize, heartbeatMs, confirmationTimeoutMs, log } = options;
  const instanceId = randomUUID();
  const confirmationChannel = (instance: string) => `${channel}:confirmations:${instance}`;
  const ownConfirmations = confirmationChannel(instanceId);
  const pendingNotices = new Map<string, PendingNotice>();
  let noticeCount = 0;
  /** Session id → revocation time. Only grows between purges: a revocation is never undone. */
  const revoked = new Map<string, number>();
  /** Session id → record as last read or written; Map order is recency order. */
  const sessions = new Map<string, SessionRecord>();
  let current = false;
  /** Bumped on every loss of trust, so that a resynchronisation begun before it cannot declare the view current. */
  let epoch = 0;
  let stopped = false;
  let heartbeatInFlight = false;
  let retryTimer: NodeJS.Timeout | undefined;

  function distrust(reason: string) {
    epoch += 1;
    // Rotations missed while away would leave stale copies; revocations are reloaded.
    sessions.clear();
    if (current) log?.warn(`session store: ${reason}; failing closed until the revocation view is resynchronised`);
    current = false;
  }

  /** A revoked session's cached copy goes too: nothing about it should be answered from memory but the revocation. */
  function noteRevoked(ids: readonly string[], revokedAt: number) {
    for (const id of ids) {
      if (!revoked.has(id)) revoked.set(id, revokedAt);
      sessions.delete(id);
    }
  }

  function confirm(notice: string) {
    const pending = pendingNotices.get(notice);
    if (!pending) return;
    pending.confirmations += 1;
    if (pending.confirmations >= pending.expected) pending.settle?.();
  }

  function onMessage(receivedOn: string, text: string) {
    if (receivedOn === ownConfirmations) return confirm(text);
    let message: RevocationMessage;
    try {
      message = JSON.parse(text) as RevocationMessage;
    } catch {
      return;
    }
    if ('revoked' in message && Array.isArray(message.revoked)) {
      noteRevoked(message.revoked, Number(message.at));
      // Applied: tell the revoking instance, which answers its client once every instance has.
      if (message.from === instanceId) confirm(message.notice);
      else client.publish(confirmationChannel(message.from), message.notice).catch(() => {});
    } else if ('changed' in message && typeof message.changed === 'string') {
      sessions.delete(message.changed);
    }
  }

  /** Subscribe first, then load: a revocation published in between is in one or the other. */
  async function resynchronise() {
    clearTimeout(retryTimer);
    if (stopped || current || client.status !== 'ready' || subscriber.status !== 'ready') return;
    const started = epoch;
    try {
      await subscriber.subscribe(channel, ownConfirmations);
      const entries = await client.zrange(revokedKey, '0', '-1', 'WITHSCORES');
      if (started !== epoch || stopped) return;
      for (let i = 0; i + 1 < entries.length; i += 2) noteRevoked([entries[i]!], Number(entries[i + 1]));
      current = true;
      log?.info(`session store: revocation view current (${revoked.size} revoked sessions in memory)`);
    } catch {
      if (started !== epoch || stopped) return;
      // Both connections still look up (else their 'ready' will call again): try again shortly.
      retryTimer = setTimeout(() => void resynchronise(), 200);
      retryTimer.unref();
    }
  }

  const onReady = () => void resynchronise();
  const onClose = () => distrust('lost its connection to Redis');
  // ioredis reports connection errors through 'close' and its retries; this listener keeps them
  // from being printed as unhandled, and a failed command reaches its caller as a rejection.
  const onError = () => {};
  for (const connection of [client, subscriber]) {
    connection.on('ready', onReady);
    connection.on('close', onClose);
    connection.on('error', onError);
  }
  subscriber.on('message', onMessage);

  // A connection can die without a FIN (a cut cable, a frozen host): a ping that gets no answer
  // fails the view within about two heartbeats, and reconnecting both resynchronises it.
  const heartbeat = setInterval(() => {
    if (!current || heartbeatInFlight) return;
    heartbeatInFlight = true;
    const started = epoch;
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('heartbeat timed out')), heartbeatMs).unref());
    Promise.race([Promise.all([client.ping(), subscriber.ping()]), deadline])
      .catch(() => {
        if (started !== epoch || stopped) return;
        distrust('got no answer from Redis');
        client.disconnect(true);
        subscriber.disconnect(true);
      })
      .finally(() => {
        heartbeatInFlight = false;
      });
  }, heartbeatMs);
  heartbeat.unref();

  /** The revocation time known for the session, if it is revoked. */
  function withRevocation(session: SessionRecord): SessionRecord {
    const revokedAt = session.revokedAt ?? revoked.get(session.id) ?? null;
    return { ...session, revokedAt };
  }

  return {
    get isCurrent() {
      return current;
    },
    /** Resolves once the view is current; rejects when it cannot get there within `timeoutMs`. */
    async start(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      void resynchronise();
      while (!current) {
        if (Date.now() > deadline) throw new StoreUnavailableError(new Error('revocation view could not be loaded'));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop() {
      stopped = true;
      current = false;
      clearInterval(heartbeat);
      clearTimeout(retryTimer);
      for (const connection of [client, subscriber]) {
        connection.off('ready', onReady);
        connection.off('close', onClose);
      }
      subscriber.off('message', onMessage);
    },
    /** Throws StoreUnavailableError unless every revocation made anywhere is known here. */
    assertCurrent(): void {
      if (!current) throw new StoreUnavailableError(new Error('revocation view is not current'));
    },
    /** Increases whenever the view loses trust; a read begun in an older epoch must not be cached. */
    get epoch() {
      return epoch;
    },
    noteRevoked,
    /** Names a revocation about to be published, so that confirmations arriving early are counted. */
    openNotice(): { from: string; notice: string } {
      const notice = String((noticeCount += 1));
      pendingNotices.set(notice, { confirmations: 0, expected: Number.POSITIVE_INFINITY });
      return { from: instanceId, notice };
    },
    /**
     * Waits until the `receivers` instances that got the revocation (this one included) have applied
     * it, so that the next request anywhere is refused; gives up after confirmationTimeoutMs.
     */
    async awaitConfirmations(notice: string, receivers: number): Promise<void> {
      const pending = pendingNotices.get(notice);
      if (!pending) return;
      pending.expected = receivers;
      try {
        if (pending.confirmations >= receivers) return;
        const confirmed = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), confirmationTimeoutMs);
          pending.settle = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        if (!confirmed) {
          log?.warn(`session store: ${pending.confirmations} of ${receivers} instances confirmed a revocation within ${confirmationTimeoutMs} ms`);
        }
      } finally {
        pendingNotices.delete(notice);
      }
    },
    closeNotice(notice: string) {
      pendingNotices.delete(notice);
    },
    /** The cached session, with any revocation this instance has heard of. */
    recall(id: string): SessionRecord | undefined {
      const session = sessions.get(id);
      return session && withRevocation(session);
    },
    withRevocation,
    remember(session: SessionRecord, readInEpoch = epoch) {
      if (readInEpoch !== epoch) return;
      sessions.delete(session.id);
      sessions.set(session.id, { ...session });
      if (sessions.size > sessionCacheSize) sessions.delete(sessions.keys().next().value!);
    },
    forget(id: string) {
      sessions.delete(id);
    },
    /** Drops what no token can need any more: revocations older than an access token's life, expired sessions. */
    forgetExpired(now: number) {
      for (const [id, revokedAt] of revoked) if (revokedAt + accessTokenTtlMs <= now) revoked.delete(id);
      for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
    },
    /** For tests and diagnostics. */
    get revokedCount() {
      return revoked.size;
    },
  };
}
