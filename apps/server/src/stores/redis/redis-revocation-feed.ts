import type { Redis } from 'ioredis';
import { createRevocationView } from '../revocation/revocation-view.js';
import { startHeartbeat } from '../revocation/heartbeat.js';
import type { StoreLog } from '../types.js';

export interface RedisRevocationFeedOptions {
  /** Runs commands: the initial load, every resynchronisation, confirmations. */
  client: Redis;
  /** Only listens on `channel`: a subscribed connection can do nothing else. */
  subscriber: Redis;
  channel: string;
  /** The sorted set of revoked session ids, scored by revocation time. */
  revokedKey: string;
  accessTokenTtlMs: number;
  sessionCacheSize: number;
  /** How often both connections are pinged; one that does not answer within that time fails the view. */
  heartbeatMs: number;
  confirmationTimeoutMs: number;
  log?: StoreLog | undefined;
}

/**
 * Keeps a revocation view (../revocation/revocation-view.ts) current through Redis pub/sub. The
 * view is trusted only while both connections are up and the revoked set has been reloaded after
 * subscribing; otherwise every session operation throws StoreUnavailableError (fail closed,
 * docs/decisions/005).
 */
export function createRedisRevocationFeed(options: RedisRevocationFeedOptions) {
  const { client, subscriber, channel, revokedKey, heartbeatMs } = options;
  const confirmationChannel = (instance: string) => `${channel}:confirmations:${instance}`;
  const view = createRevocationView({
    ...options,
    sendConfirmation: (to, notice) => void client.publish(confirmationChannel(to), notice).catch(() => {}),
  });
  const { trust } = view;
  const ownConfirmations = confirmationChannel(view.instanceId);
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;

  function onMessage(receivedOn: string, text: string) {
    if (receivedOn === ownConfirmations) view.confirmations.confirm(text);
    else view.receive(text);
  }

  /** Subscribe first, then load: a revocation published in between is in one or the other. */
  async function resynchronise() {
    clearTimeout(retryTimer);
    if (stopped || client.status !== 'ready' || subscriber.status !== 'ready') return;
    const attempt = trust.beginResync();
    if (attempt === undefined) return;
    try {
      await subscriber.subscribe(channel, ownConfirmations);
      const entries = await client.zrange(revokedKey, '0', '-1', 'WITHSCORES');
      for (let i = 0; i + 1 < entries.length; i += 2) view.noteRevoked([entries[i]!], Number(entries[i + 1]));
      trust.settle(attempt, `${view.revokedCount} revoked sessions in memory`);
    } catch {
      trust.abandon(attempt);
      if (stopped || attempt !== trust.epoch) return;
      // Both connections still look up (else their 'ready' will call again): try again shortly.
      retryTimer = setTimeout(() => void resynchronise(), 200);
      retryTimer.unref();
    }
  }

  const onReady = () => void resynchronise();
  const onClose = () => trust.distrust('lost its connection to Redis');
  // ioredis reports connection errors through 'close' and its retries; this listener keeps them
  // from being printed as unhandled, and a failed command reaches its caller as a rejection.
  const onError = () => {};
  for (const connection of [client, subscriber]) {
    connection.on('ready', onReady);
    connection.on('close', onClose);
    connection.on('error', onError);
  }
  subscriber.on('message', onMessage);

  // A ping that gets no answer fails the view within about two heartbeats, and reconnecting both
  // resynchronises it.
  const heartbeat = startHeartbeat(heartbeatMs, () => {
    if (!trust.isCurrent) return undefined;
    const started = trust.epoch;
    return {
      ping: () => Promise.all([client.ping(), subscriber.ping()]),
      onNoAnswer: () => {
        if (started !== trust.epoch || stopped) return;
        trust.distrust('got no answer from Redis');
        client.disconnect(true);
        subscriber.disconnect(true);
      },
    };
  });

  return {
    view,
    resynchronise,
    stop() {
      stopped = true;
      trust.close();
      clearInterval(heartbeat);
      clearTimeout(retryTimer);
      for (const connection of [client, subscriber]) {
        connection.off('ready', onReady);
        connection.off('close', onClose);
      }
      subscriber.off('message', onMessage);
    },
  };
}
