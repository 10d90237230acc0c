import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../../config/config.js';

const CONNECT_DEADLINE_MS = 3_000;
const OLDEST_REDIS_MAJOR = 7; // PEXPIRETIME, used by the scripts, came in Redis 7.0

/**
 * Fail fast rather than wait: a command sent while the connection is down is refused at once
 * (the request answers 503) instead of queueing, and reconnection is retried at least every second
 * so that an instance serves again soon after Redis is back.
 */
const CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // The revocation view subscribes again itself, then reloads the revoked set: in that order.
  autoResubscribe: false,
  connectTimeout: 2_000,
  commandTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
};

export interface RedisConnections {
  client: Redis;
  subscriber: Redis;
}

/** Where a URL points, without its password: safe for messages. */
export function describeRedisUrl(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol}//${host || 'localhost:6379'}`;
}

/**
 * Opens the command and the subscriber connection. An unreachable or unusable Redis is a
 * configuration error at start (one line naming REDIS_URL), reported within a few seconds.
 */
export async function connectRedis(url: string, deadlineMs = CONNECT_DEADLINE_MS): Promise<RedisConnections> {
  const client = new Redis(url, { ...CONNECTION_OPTIONS, connectionName: 'jwt-lab' });
  const subscriber = client.duplicate({ connectionName: 'jwt-lab-revocations' });
  try {
    await Promise.all([readyWithin(client, deadlineMs), readyWithin(subscriber, deadlineMs)]);
  } catch (error) {
    client.disconnect();
    subscriber.disconnect();
    throw new ConfigError('REDIS_URL', `cannot be reached at ${describeRedisUrl(url)} within ${deadlineMs / 1000} s (${(error as Error).message})`);
  }
  const version = /^redis_version:(\S+)/m.exec(await client.info('server'))?.[1] ?? 'unknown';
  if (!(Number.parseInt(version, 10) >= OLDEST_REDIS_MAJOR)) {
    client.disconnect();
    subscriber.disconnect();
    throw new ConfigError('REDIS_URL', `points at Redis ${version}; JWT Lab needs Redis ${OLDEST_REDIS_MAJOR}.0 or newer`);
  }
  return { client, subscriber };
}

/** Resolves on 'ready'; rejects with the last connection error once the deadline passes. */
function readyWithin(connection: Redis, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: Error = new Error('no answer');
    const onError = (error: Error) => {
      lastError = error;
    };
    const done = (error?: Error) => {
      clearTimeout(timer);
      connection.off('error', onError);
      connection.off('ready', onReady);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(lastError), deadlineMs);
    connection.on('error', onError);
    connection.once('ready', onReady);
    // connect() rejects on the first failure while ioredis keeps retrying: the deadline decides,
    // and the 'error' events say why.
    connection.connect().catch(() => {});
  });
}
