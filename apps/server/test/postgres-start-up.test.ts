import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../src/stores/postgres/migrations.js';
import { connectPostgres } from '../src/stores/postgres/postgres-connection.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { callApi, spawnServer, startServerProcess } from './support/redis-instances.js';
import { freePort } from './support/redis-server.js';

// The real process on PostgreSQL: it starts on an empty database and keeps users, keys and
// revocations across a restart with a fresh DATA_DIR (nothing on disk matters); a database it
// cannot use stops it at start with one line naming DATABASE_URL (or the bad keyring row).

const PASSWORD = 'correct horse battery';
let database: TestDatabase;
const dirs: string[] = [];
const newDataDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-pg-start-'));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function refusedStart(env: Record<string, string>) {
  const child = spawnServer({ DATA_DIR: await newDataDir(), PORT: '0', LOG_LEVEL: 'info', ...env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(stdout).not.toContain('JWT Lab is ready');
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('starting on PostgreSQL', () => {
  it('starts on an empty database, and after a restart with a new DATA_DIR keeps users, keys and revocations', async () => {
    const env = { DATABASE_URL: database.url, JWT_ALG: 'EdDSA' };
    const first = await startServerProcess({ ...env, DATA_DIR: await newDataDir() });
    let revoked: string;
    let kept: string;
    try {
      expect(first.readyLine).toContain('(store: postgres, alg: EdDSA)');
      expect((await callApi(first, 'GET', '/api/health')).body).toEqual({ status: 'ok', store: 'postgres' });
      expect((await callApi(first, 'POST', '/api/auth/register', { body: { username: 'restart_user', password: PASSWORD } })).status).toBe(201);
      const login = async () =>
        ((await callApi(first, 'POST', '/api/auth/login', { body: { username: 'restart_user', password: PASSWORD, mode: 'header' } })).body as { accessToken: string }).accessToken;
      [revoked, kept] = [await login(), await login()];
      expect((await callApi(first, 'POST', '/api/auth/logout', { token: revoked })).status).toBe(204);
    } finally {
      await first.stop();
    }

    const second = await startServerProcess({ ...env, DATA_DIR: await newDataDir() });
    try {
      expect((await callApi(second, 'GET', '/api/private', { token: kept })).status).toBe(200);
      const refused = await callApi(second, 'GET', '/api/private', { token: revoked });
      expect(refused.status).toBe(401);
      expect(refused.body?.error).toBe('token_revoked');
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('stops with one line naming DATABASE_URL, without the password, when the database cannot be reached', async () => {
    const port = await freePort();
    const line = await refusedStart({ DATABASE_URL: `postgres://jwt:hunter2secret@127.0.0.1:${port}/jwtlab` });
    expect(line).toMatch(new RegExp(`^jwt-lab: cannot start: DATABASE_URL cannot be reached at postgres://127\\.0\\.0\\.1:${port}/jwtlab \\(.*ECONNREFUSED`));
    expect(line).not.toContain('hunter2secret');
  }, 20_000);

  it('stops with one line naming DATABASE_URL when the URL is not a PostgreSQL URL', async () => {
    expect(await refusedStart({ DATABASE_URL: 'mysql://127.0.0.1/app' })).toBe('jwt-lab: cannot start: DATABASE_URL must start with postgres:// or postgresql://, got "mysql://"');
  }, 20_000);

  it('refuses a keyring row that is not a keyring, in one line saying where it is', async () => {
    const own = await createTestDatabase();
    try {
      const pool = await connectPostgres(own.url, { poolSize: 1 });
      await migrate(pool);
      await pool.query(`INSERT INTO signing_keys (name, document, version) VALUES ('es256.keyring', '{"alg":"ES256","keys":[]}', 1)`);
      await pool.end();
      const line = await refusedStart({ DATABASE_URL: own.url, JWT_ALG: 'ES256' });
      expect(line).toMatch(/^jwt-lab: cannot start: the "es256\.keyring" row of the signing_keys table \(DATABASE_URL\) is not a usable JWT Lab keyring \(\/keys: /);
    } finally {
      await own.drop();
    }
  }, 20_000);
});

