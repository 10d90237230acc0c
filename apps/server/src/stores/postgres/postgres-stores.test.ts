import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, startPostgresCluster, type PostgresCluster, type TestDatabase } from '../../../test/support/postgres.js';
import { expectFailsClosedAndKeepsMissedRevocation, failsClosed } from '../../../test/support/fail-closed.js';
import { freePort } from '../../../test/support/redis-server.js';
import { newSessionRecord } from '../../../test/support/session-record.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { ConfigError } from '../../config/config.js';
import { loadKeyRing } from '../../tokens/key-ring.js';
import { KeyRingError, newStoredKeyRing } from '../../tokens/stored-key-ring.js';
import { StoreUnavailableError, type SessionRecord } from '../types.js';
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS } from './migrations.js';
import { connectPostgres, describeDatabaseUrl } from './postgres-connection.js';
import { createPostgresKeyStorage } from './postgres-key-storage.js';
import { createPostgresSessionStore } from './postgres-session-store.js';
import { createPostgresUserStore } from './postgres-stores.js';

// What the PostgreSQL adapters promise beyond the shared suite: migrations safe when instances
// start together, revocations seen by every instance before a revoke returns (LISTEN/NOTIFY) with
// no query per token check, failing closed when the database or the listening connection goes,
// and recovering without a restart; signing keys created once and rotated without lost updates.

const ACCESS_TTL_MS = 60_000;
const HOUR = 60 * 60 * 1000;

const databases: TestDatabase[] = [];
const cleanups: Array<() => unknown> = []; // each may return a promise: awaited
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await Promise.all(databases.map((database) => database.drop()));
});

async function freshDatabase() {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
}

async function pool(url: string, poolSize = 4) {
  const opened = await connectPostgres(url, { poolSize });
  cleanups.push(() => opened.end().catch(() => {}));
  return opened;
}

/** One app instance's sessions: its own pool, listening connection and memory. */
async function openInstance(url: string, options: { heartbeatMs?: number } = {}) {
  const connections = await pool(url);
  await migrate(connections);
  const sessions = createPostgresSessionStore({ url, pool: connections, accessTokenTtlMs: ACCESS_TTL_MS, now: Date.now, ...options });
  cleanups.push(() => sessions.stop());
  await sessions.start();
  return { sessions, pool: connections, users: createPostgresUserStore({ pool: connections }) };
}

async function storedSession(instance: Awaited<ReturnType<typeof openInstance>>, overrides: Partial<SessionRecord> = {}): Promise<SessionRecord> {
  const userId = overrides.userId ?? randomUUID();
  const session = newSessionRecord(Date.now(), { ...overrides, userId });
  if (!overrides.userId) await instance.users.create({ id: userId, username: `u_${userId.slice(0, 8)}`, passwordHash: 'x', createdAt: session.createdAt });
  await instance.sessions.create(session);
  return session;
}

describe('PostgreSQL migrations', () => {
  it('bring a fresh database to the latest version once, however many instances start at once (repeated)', async () => {
    for (let round = 0; round < 4; round++) {
      const url = await freshDatabase();
      const pools = await Promise.all([pool(url, 1), pool(url, 1), pool(url, 1)]);
      const results = await Promise.all(pools.map((connections) => migrate(connections)));
      expect(results.map((result) => result.from).sort()).toEqual([0, LATEST_SCHEMA_VERSION, LATEST_SCHEMA_VERSION]);
      expect(results.every((result) => result.to === LATEST_SCHEMA_VERSION)).toBe(true);
      const { rows } = await pools[0].query('SELECT version FROM jwt_lab_schema');
      expect(rows).toEqual([{ version: LATEST_SCHEMA_VERSION }]);
      await Promise.all(pools.map((connections) => connections.end()));
    }
  });

  it('bring an older database up to date with only the steps it lacks', async () => {
    const connections = await pool(await freshDatabase(), 1);
    expect(await migrate(connections, MIGRATIONS.slice(0, 1))).toEqual({ from: 0, to: 1 });
    await connections.query("INSERT INTO spent_links (jti, expires_at) VALUES ('kept', 1)");
    expect(await migrate(connections)).toEqual({ from: 1, to: LATEST_SCHEMA_VERSION });
    expect((await connections.query('SELECT jti FROM spent_links')).rows).toEqual([{ jti: 'kept' }]);
    expect(await migrate(connections)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
  });

  it('refuse, naming DATABASE_URL, a database whose schema is newer than this build', async () => {
    const connections = await pool(await freshDatabase(), 1);
    await migrate(connections);
    await connections.query('UPDATE jwt_lab_schema SET version = version + 1');
    const error = await migrate(connections).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DATABASE_URL');
    expect((error as Error).message).toMatch(/newer than this build/);
  });

  it('leave the database as it was when a migration fails (one transaction)', async () => {
    const connections = await pool(await freshDatabase(), 1);
    const broken = [{ version: 1, description: 'half of it fails', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' }];
    await expect(migrate(connections, broken)).rejects.toBeInstanceOf(ConfigError);
    const { rows } = await connections.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('half', 'jwt_lab_schema')");
    expect(rows[0]).toEqual({ n: 0 });
  });
});

describe('connecting to PostgreSQL', () => {
  it('gives up within a few seconds with a ConfigError naming DATABASE_URL, without the password', async () => {
    const port = await freePort();
    const started = performance.now();
    const error = await connectPostgres(`postgres://jwt:hunter2secret@127.0.0.1:${port}/app`, { deadlineMs: 1_000 }).catch((thrown: unknown) => thrown);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DATABASE_URL');
    expect((error as Error).message).toMatch(new RegExp(`^DATABASE_URL cannot be reached at postgres://127\\.0\\.0\\.1:${port}/app `));
    expect((error as Error).message).not.toContain('hunter2secret');
    expect(describeDatabaseUrl('postgresql://u:pw@db.internal/jwt')).toBe('postgresql://db.internal:5432/jwt');
  });
});

describe('PostgreSQL sessions across instances (LISTEN/NOTIFY)', () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
  });

  it('answers a known session from memory: no query per token check', async () => {
    const instance = await openInstance(url);
    const session = await storedSession(instance);
    const queries = vi.spyOn(instance.pool, 'query');
    for (let i = 0; i < 100; i++) expect((await instance.sessions.find(session.id))?.revokedAt).toBeNull();
    expect(queries).not.toHaveBeenCalled();
    queries.mockRestore();
  });

  it('refuses on B a session revoked on A as soon as the revoke returns (every listener confirmed)', async () => {
    const [a, b] = [await openInstance(url), await openInstance(url)];
    for (let i = 0; i < 10; i++) {
      const session = await storedSession(a);
      expect((await b.sessions.find(session.id))?.revokedAt).toBeNull(); // now in B's memory
      const revokedAt = Date.now();
      await a.sessions.revoke(session.id, revokedAt);
      expect((await b.sessions.find(session.id))?.revokedAt).toBe(revokedAt);
    }
  });

  it('revokes hundreds of sessions of one user in one go, every one of them known on B when it returns', async () => {
    const [a, b] = [await openInstance(url), await openInstance(url)];
    const first = await storedSession(a);
    const many = [first, ...(await Promise.all(Array.from({ length: 399 }, () => storedSession(a, { userId: first.userId }))))];
    for (const session of many) await b.sessions.find(session.id);
    const revokedAt = Date.now();
    expect((await a.sessions.revokeAllForUser(first.userId, revokedAt)).sort()).toEqual(many.map((session) => session.id).sort());
    for (const session of many) expect((await b.sessions.find(session.id))?.revokedAt).toBe(revokedAt);
  }, 30_000);

  it('ends the session everywhere when an old refresh token comes back to B after a rotation on A', async () => {
    const [a, b] = [await openInstance(url), await openInstance(url)];
    const session = await storedSession(a);
    await b.sessions.find(session.id);
    const now = Date.now();
    expect(await a.sessions.rotateRefreshToken(session.id, session.refreshJti, { jti: 'next', expiresAt: now + 2 * HOUR }, now)).toBe('rotated');
    expect(await b.sessions.rotateRefreshToken(session.id, session.refreshJti, { jti: 'again', expiresAt: now + 2 * HOUR }, now + 1)).toBe('reused');
    expect((await a.sessions.find(session.id))?.revokedAt).toBe(now + 1);
  });

  it('fails closed when its listening connection is cut, and resynchronises, keeping a revocation it missed', async () => {
    const [a, b] = [await openInstance(url), await openInstance(url)];
    const admin = new Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await expectFailsClosedAndKeepsMissedRevocation({
      a: a.sessions,
      b: b.sessions,
      session: await storedSession(a),
      unstored: newSessionRecord(),
      // The server ends B's listening connection, as a database restart or a proxy would.
      cutB: () => admin.query('SELECT pg_terminate_backend($1)', [b.sessions.listenerPid()]),
      noticeWithinMs: 1_000,
    });
  });

  it('survives the database ending its connections in the middle of transactions: those calls fail closed, later ones work', async () => {
    const instance = await openInstance(url);
    const sessions = await Promise.all(Array.from({ length: 40 }, () => storedSession(instance)));
    const admin = new Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const revokes = sessions.map((session) => instance.sessions.revoke(session.id, Date.now()).then(() => 'revoked', (error: unknown) => error));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'jwt-lab'");
    for (const outcome of await Promise.all(revokes)) {
      if (outcome !== 'revoked') expect(outcome).toBeInstanceOf(StoreUnavailableError);
    }
    const later = await storedSession(instance);
    await instance.sessions.revoke(later.id, Date.now());
    expect((await instance.sessions.find(later.id))?.revokedAt).not.toBeNull();
  });
});

describe('PostgreSQL stopped and started again (a cluster of this test\'s own)', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster({ port: await freePort() });
    cleanups.push(() => cluster.dispose());
  }, 60_000);

  it('refuses every session operation while the database is down, then serves again with no restart', async () => {
    const url = cluster.url();
    const instance = await openInstance(url, { heartbeatMs: 200 });
    const session = await storedSession(instance);
    await cluster.stop('fast');
    const noticed = await waitFor(() => failsClosed(() => instance.sessions.find(session.id)), 2_000);
    expect(noticed).toBeLessThan(1_000);
    await expect(instance.users.findById(session.userId)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(storedSession(instance)).rejects.toBeInstanceOf(StoreUnavailableError);

    await cluster.start();
    await waitFor(() => instance.sessions.isCurrent(), 10_000);
    expect((await instance.sessions.find(session.id))?.revokedAt).toBeNull();
    const revokedAt = Date.now();
    await instance.sessions.revoke(session.id, revokedAt);
    expect((await instance.sessions.find(session.id))?.revokedAt).toBe(revokedAt);
    expect((await instance.users.findById(session.userId))?.id).toBe(session.userId);
  }, 60_000);
});

describe('signing keys in PostgreSQL', () => {
  let connections: Pool;
  beforeAll(async () => {
    connections = await pool(await freshDatabase());
    await migrate(connections);
  });
  const lifetimes = { accessTokenTtl: 900, refreshTokenTtl: 3600 };

  it('creates one keyring however many instances start at once, and every one of them signs with its key', async () => {
    const storages = [1, 2, 3].map(() => createPostgresKeyStorage({ pool: connections }));
    const rings = await Promise.all(storages.map((storage) => loadKeyRing({ alg: 'ES256', storage, now: Date.now, ...lifetimes })));
    expect(new Set(rings.map((ring) => ring.current().kid)).size).toBe(1);
    const { rows } = await connections.query("SELECT count(*)::int AS n FROM signing_keys WHERE name = 'es256.keyring'");
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('serialises concurrent changes: two rotations at once both land', async () => {
    const storage = createPostgresKeyStorage({ pool: connections });
    await storage.readOrCreate('test.counter', async () => ({ n: 0 }));
    const bump = () => storage.update('test.counter', async (document) => ({ n: (document as { n: number }).n + 1 }));
    await Promise.all([bump(), bump(), bump()]);
    expect((await storage.read('test.counter'))?.document).toEqual({ n: 3 });
    expect(await storage.version('test.counter')).toBe('4');
  });

  it('refuses a keyring row that is not a keyring, saying where it is and what is wrong', async () => {
    const storage = createPostgresKeyStorage({ pool: connections });
    const ring = await newStoredKeyRing('EdDSA', Date.now());
    const broken = { ...ring, keys: [{ ...ring.keys[0]!, jwk: { kty: 'OKP', crv: 'Ed25519', x: ring.keys[0]!.jwk.x } }] };
    await connections.query("INSERT INTO signing_keys (name, document, version) VALUES ('eddsa.keyring', $1, 1)", [JSON.stringify(broken)]);
    const error = await loadKeyRing({ alg: 'EdDSA', storage, now: Date.now, ...lifetimes }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KeyRingError);
    expect((error as Error).message).toMatch(/"eddsa\.keyring" row of the signing_keys table .*not a usable JWT Lab keyring \(\/keys\/0\/jwk: not a EdDSA key/);
  });
});
