import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../config/config.js';

export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'jwt-lab.db';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    mode        TEXT NOT NULL,
    csrf_token  TEXT NOT NULL,
    refresh_jti TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
  );
  CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_id);
  CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
  CREATE TABLE IF NOT EXISTS spent_links (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS seen_proofs (
    id         TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS attempts (
    key      TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    reset_at INTEGER NOT NULL
  );
`;

/** How long a start waits for the file (a restarting predecessor, under `pnpm dev`, lets go). */
const LOCK_WAIT_MS = 3000;

/**
 * Opens (creating if needed) the database in dataDir, in WAL mode so readers never wait on a
 * writer. `exclusive`: this process owns the file until it closes it (SQLite's exclusive locking
 * mode), so no other process can change a row behind this one's back; a second process on the same
 * DATA_DIR is refused at start with a clear message.
 */
export function openDatabase(dataDir: string, { exclusive = false }: { exclusive?: boolean } = {}): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DATABASE_FILE);
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    migrate(db);
    // The exclusive lock is taken by the first write: take it now, not at the first login.
    if (exclusive) db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new ConfigError(
        'DATA_DIR',
        `is in use by another JWT Lab process (${file} is locked). Run one instance per DATA_DIR, or set REDIS_URL to run several (docs/multi-instance.md)`,
      );
    }
    throw error;
  }
  return db;
}

/** Columns added after the first release; each is added once, to databases that lack it. */
const ADDED_COLUMNS: Array<{ table: string; column: string; definition: string }> = [
  { table: 'users', column: 'email', definition: 'TEXT COLLATE NOCASE' },
  { table: 'users', column: 'email_verified_at', definition: 'INTEGER' },
];

function migrate(db: SqliteDatabase) {
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().map((row) => row.name);
    if (!columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
  db.exec('CREATE INDEX IF NOT EXISTS users_by_email ON users(email)');
}
