import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../config/config.js';

export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'jwt-lab.db';

/**
 * The schema, one step per version; `PRAGMA user_version` records how many have run. Steps only
 * ever get appended: a database is brought from its version to the last in one transaction, so any
 * number of instances can start at once on a fresh DATA_DIR (the first migrates, the others wait
 * for its lock, then find nothing left to do).
 */
const MIGRATIONS: ReadonlyArray<(db: SqliteDatabase) => void> = [
  // 1: the first release. IF NOT EXISTS: databases made before versioning already have these tables.
  (db) =>
    db.exec(`
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
      CREATE TABLE IF NOT EXISTS attempts (
        key      TEXT PRIMARY KEY,
        count    INTEGER NOT NULL,
        reset_at INTEGER NOT NULL
      );
    `),
  // 2: email verification. Databases made before versioning may have the columns already.
  (db) => {
    addColumnIfMissing(db, 'users', 'email', 'TEXT COLLATE NOCASE');
    addColumnIfMissing(db, 'users', 'email_verified_at', 'INTEGER');
    db.exec('CREATE INDEX IF NOT EXISTS users_by_email ON users(email)');
  },
  // 3: what the sessions list shows; sessions from before get neutral values.
  (db) => {
    addColumnIfMissing(db, 'sessions', 'device', "TEXT NOT NULL DEFAULT ''");
    addColumnIfMissing(db, 'sessions', 'ip', "TEXT NOT NULL DEFAULT ''");
    addColumnIfMissing(db, 'sessions', 'last_used_at', 'INTEGER NOT NULL DEFAULT 0');
  },
  // 4: DPoP proof ids seen within the proof window (stores.proofs). IF NOT EXISTS: a branch build
  // numbered it 3 for a while.
  (db) =>
    db.exec(`
      CREATE TABLE IF NOT EXISTS seen_proofs (
        id         TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
    `),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

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
  // Created owner-only before SQLite opens it, so it is never readable by others, even briefly.
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Also takes the exclusive lock (the first write does), now rather than at the first login.
    migrate(db);
    restrictToOwner(file);
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

/** Runs the missing steps under one write lock (BEGIN IMMEDIATE): all of them or none. */
function migrate(db: SqliteDatabase) {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new ConfigError('DATA_DIR', `holds a database of schema version ${version}, newer than this release knows (${SCHEMA_VERSION}); run a newer JWT Lab`);
    }
    for (const step of MIGRATIONS.slice(version)) step(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function addColumnIfMissing(db: SqliteDatabase, table: string, column: string, definition: string) {
  const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().map((row) => row.name);
  if (!columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
}

/**
 * The database holds password hashes and sessions: owner only. SQLite gives its -wal and -shm
 * files the database file's mode, so setting it once covers them.
 */
function restrictToOwner(file: string) {
  chmodSync(file, 0o600);
}
