import { Pool, types as defaultTypes, type CustomTypesConfig, type PoolConfig, type QueryResultRow } from 'pg';
import { ConfigError } from '../../config/config.js';
import { StoreUnavailableError } from '../types.js';

/** Bounded: an instance never holds more than this many of the database's connections. */
export const DEFAULT_POOL_SIZE = 10;
const CONNECT_DEADLINE_MS = 3_000;
/** A query that takes longer than this fails (503) instead of holding the request: a frozen database fails closed. */
const QUERY_TIMEOUT_MS = 5_000;

const INT8 = 20;
/** What pg's own parsers do with a value: it types them as `any`, so name what they are. */
type ValueParser = (value: string) => unknown;
const parseInt8: ValueParser = (value) => Number(value);
/** Times are stored as bigint milliseconds; they fit a JavaScript number for the next 285,000 years. */
export const pgTypes: CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ValueParser => {
    if (oid === INT8) return parseInt8;
    // pg types its own parsers as returning any; each returns some parsed value.
    return defaultTypes.getTypeParser(oid, format) as ValueParser;
  },
};

/** Options every connection of the app shares (the listener's too). */
export function connectionOptions(url: string, applicationName: string): PoolConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 2_000,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    types: pgTypes,
  };
}

/** Where a URL points, without user or password: safe for messages. */
export function describeDatabaseUrl(url: string): string {
  const { protocol, hostname, port, pathname } = new URL(url);
  return `${protocol}//${hostname || 'localhost'}:${port || '5432'}${pathname}`;
}

/**
 * A bounded pool. An unreachable database is a configuration error at start (one line naming
 * DATABASE_URL, without the password). Later failures reach callers as StoreUnavailableError
 * (through `query`), and the pool opens new connections once the database is back.
 */
export async function connectPostgres(url: string, { poolSize = DEFAULT_POOL_SIZE, deadlineMs = CONNECT_DEADLINE_MS } = {}): Promise<Pool> {
  const pool = new Pool({ ...connectionOptions(url, 'jwt-lab'), max: poolSize, connectionTimeoutMillis: Math.min(2_000, deadlineMs) });
  // An idle connection that the server drops (a restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new ConfigError('DATABASE_URL', `cannot be reached at ${describeDatabaseUrl(url)} (${(error as Error).message || (error as { code?: string }).code || 'no answer'})`);
  }
  return pool;
}

/** Something that runs queries: the pool, or one client inside a transaction. */
export interface Queryable {
  query<Row extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** Runs one query with bound parameters; any failure of the database becomes StoreUnavailableError (fail closed, 503). */
export async function query<Row extends QueryResultRow>(db: Queryable, text: string, values: unknown[] = []): Promise<Row[]> {
  try {
    return (await db.query<Row>(text, values)).rows;
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
}

/** Runs `work` in one transaction on one pooled connection; rolls back on any failure. */
export async function transaction<T>(pool: Pool, work: (db: Queryable) => Promise<T>): Promise<T> {
  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
  // The pool listens for errors of idle connections only: a checked-out one that loses the server
  // emits 'error', which must not go unheard (it would end the process). The queries fail too.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await query(client, 'BEGIN');
    const result = await work(client);
    await query(client, 'COMMIT');
    return result;
  } catch (error) {
    if (!lost) await client.query('ROLLBACK').catch(() => {});
    // Database failures arrive here already as StoreUnavailableError (query() wraps them); the rest is the caller's.
    throw error;
  } finally {
    client.off('error', onError);
    // A connection that failed is destroyed rather than handed to the next caller.
    client.release(lost);
  }
}
