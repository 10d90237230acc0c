import { Client, type Pool } from 'pg';
import { createRevocationView } from '../revocation/revocation-view.js';
import { startHeartbeat } from '../revocation/heartbeat.js';
import type { StoreLog } from '../types.js';
import { connectionOptions, query } from './postgres-connection.js';

/** Every instance LISTENs here; NOTIFY is per database, so one database is one deployment. */
export const REVOCATION_CHANNEL = 'jwt_lab_sessions';
/** Names the listening connections in pg_stat_activity: the revoking instance counts them as receivers. */
export const LISTENER_APPLICATION_NAME = 'jwt-lab revocations';
const confirmationChannel = (instanceId: string) => `jwt_lab_confirm_${instanceId}`;

/** How many instances are listening right now (this one included): the receivers a NOTIFY will reach. */
export const COUNT_LISTENERS_SQL = `SELECT count(*)::int AS receivers FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = '${LISTENER_APPLICATION_NAME}'`;

export interface PostgresRevocationFeedOptions {
  url: string;
  /** Sends confirmations (the listening connection only listens). */
  pool: Pool;
  accessTokenTtlMs: number;
  sessionCacheSize: number;
  /** How often the listening connection is pinged; one that does not answer within that time fails the view. */
  heartbeatMs: number;
  confirmationTimeoutMs: number;
  /** The app's clock: which revocations still matter at a resynchronisation. */
  now: () => number;
  log?: StoreLog | undefined;
}

const LONGEST_RECONNECT_DELAY_MS = 1_000;

/**
 * Keeps a revocation view current through LISTEN/NOTIFY on one connection of its own, with the
 * guarantees of the Redis feed: LISTEN first, then load the recent revocations, then trust; any
 * loss of that connection, or a heartbeat without an answer, distrusts the view (fail closed)
 * and reconnects (at least every second) until it can resynchronise, with no restart.
 */
export function createPostgresRevocationFeed(options: PostgresRevocationFeedOptions) {
  const { url, pool, accessTokenTtlMs, heartbeatMs, now } = options;
  const view = createRevocationView({
    ...options,
    sendConfirmation: (to, notice) => void query(pool, 'SELECT pg_notify($1, $2)', [confirmationChannel(to), notice]).catch(() => {}),
  });
  const { trust } = view;
  const ownConfirmations = confirmationChannel(view.instanceId);
  let listener: Client | undefined;
  let stopped = false;
  let reconnectDelay = 100;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let listenerPid: number | undefined;

  function scheduleReconnect() {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => void resynchronise(), reconnectDelay);
    reconnectTimer.unref();
    reconnectDelay = Math.min(reconnectDelay * 2, LONGEST_RECONNECT_DELAY_MS);
  }

  /** The listening connection is gone or unreliable: fail closed at once, then reconnect. */
  function lose(client: Client, reason: string) {
    if (client !== listener) return;
    listener = undefined;
    trust.distrust(reason);
    client.end().catch(() => {});
    scheduleReconnect();
  }

  async function resynchronise() {
    if (stopped || listener) return;
    const attempt = trust.beginResync();
    if (attempt === undefined) return;
    const client = new Client(connectionOptions(url, LISTENER_APPLICATION_NAME));
    listener = client;
    client.on('error', () => lose(client, 'lost its connection to PostgreSQL'));
    client.on('end', () => lose(client, 'lost its connection to PostgreSQL'));
    client.on('notification', ({ channel, payload }) => {
      if (channel === ownConfirmations) view.confirmations.confirm(payload ?? '');
      else if (channel === REVOCATION_CHANNEL) view.receive(payload ?? '');
    });
    try {
      await client.connect();
      listenerPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      // Listen first, then load: a revocation committed in between is in one or the other.
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      await client.query(`LISTEN ${ownConfirmations}`);
      const { rows } = await client.query<{ id: string; revoked_at: number }>('SELECT id, revoked_at FROM sessions WHERE revoked_at > $1', [
        now() - accessTokenTtlMs,
      ]);
      for (const row of rows) view.noteRevoked([row.id], row.revoked_at);
      if (trust.settle(attempt, `${view.revokedCount} revoked sessions in memory`)) reconnectDelay = 100;
    } catch {
      trust.abandon(attempt);
      if (listener === client) {
        listener = undefined;
        client.end().catch(() => {});
        scheduleReconnect();
      }
    }
  }

  // A ping that gets no answer within a heartbeat fails the view, and a new connection resynchronises it.
  const heartbeat = startHeartbeat(heartbeatMs, () => {
    const client = listener;
    if (!trust.isCurrent || !client) return undefined;
    return { ping: () => client.query('SELECT 1'), onNoAnswer: () => lose(client, 'got no answer from PostgreSQL') };
  });

  return {
    view,
    resynchronise,
    async stop() {
      stopped = true;
      trust.close();
      clearInterval(heartbeat);
      clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => {});
    },
    /** Tests: the listening connection's server process, to cut it from outside. */
    get listenerPid(): number | undefined {
      return listener && listenerPid;
    },
  };
}

export type PostgresRevocationFeed = ReturnType<typeof createPostgresRevocationFeed>;
