import type { Pool } from 'pg';
import { ConfigError } from '../../config/config.js';
import { query, transaction } from './postgres-connection.js';

// The PostgreSQL schema, as numbered migrations. Each start runs the missing ones in one
// transaction under a transaction-level advisory lock, so that any number of instances starting
// at once on a fresh database serialise here: the first creates everything, the others find the
// version recorded and do nothing. A failed migration leaves the database as it was.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Any fixed 64-bit number, the same in every instance: "jwtlab" in ASCII. */
const SCHEMA_LOCK = 0x6a77746c6162;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, sessions, spent links, login attempts, signing keys',
    sql: `
      CREATE TABLE users (
        id                text PRIMARY KEY,
        username          text NOT NULL,
        password_hash     text NOT NULL,
        created_at        bigint NOT NULL,
        email             text,
        email_verified_at bigint
      );
      -- Usernames are ASCII (the API's pattern), so lower() is the whole of case-insensitivity.
      CREATE UNIQUE INDEX users_username_key ON users (lower(username));
      CREATE INDEX users_by_email ON users (lower(email)) WHERE email IS NOT NULL;

      CREATE TABLE sessions (
        id           text PRIMARY KEY,
        user_id      text NOT NULL REFERENCES users (id),
        mode         text NOT NULL,
        csrf_token   text NOT NULL,
        refresh_jti  text NOT NULL,
        created_at   bigint NOT NULL,
        expires_at   bigint NOT NULL,
        revoked_at   bigint,
        device       text NOT NULL,
        ip           text NOT NULL,
        last_used_at bigint NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions (user_id, created_at DESC);
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

      CREATE TABLE spent_links (
        jti        text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX spent_links_by_expiry ON spent_links (expires_at);

      CREATE TABLE attempts (
        key      text PRIMARY KEY,
        count    integer NOT NULL,
        reset_at bigint NOT NULL
      );

      -- One JSON document per name ("es256.keyring", "hs256-operator-secret"), parsed by the tokens module.
      CREATE TABLE signing_keys (
        name       text PRIMARY KEY,
        document   jsonb NOT NULL,
        version    bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    description: 'seen DPoP proof ids',
    sql: `
      CREATE TABLE seen_proofs (
        jti        text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX seen_proofs_by_expiry ON seen_proofs (expires_at);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Brings the database to the latest schema; returns the version it found and the one it left. */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  const latest = migrations.at(-1)?.version ?? 0;
  return transaction(pool, async (db) => {
    await query(db, 'SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await query(
      db,
      `CREATE TABLE IF NOT EXISTS jwt_lab_schema (
         only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
         version     integer NOT NULL,
         migrated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const [row] = await query<{ version: number }>(db, 'SELECT version FROM jwt_lab_schema');
    const from = row?.version ?? 0;
    if (from > latest) {
      throw new ConfigError('DATABASE_URL', `holds JWT Lab schema version ${from}, newer than this build's ${latest}: run the newer build`);
    }
    for (const migration of migrations) if (migration.version > from) await query(db, migration.sql);
    if (from !== latest) {
      await query(
        db,
        `INSERT INTO jwt_lab_schema (only_row, version) VALUES (true, $1)
         ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()`,
        [latest],
      );
    }
    return { from, to: latest };
  }).catch((error: unknown) => {
    if (error instanceof ConfigError) throw error;
    const cause = (error as { cause?: Error }).cause ?? error;
    throw new ConfigError('DATABASE_URL', `answers, but its schema could not be brought up to date (${(cause as Error).message})`);
  });
}
