import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey, type DpopKey } from './support/dpop-key.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { startServerProcess, type ServerProcess } from './support/redis-instances.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';

// Two real server processes behind one public name, sharing a real store: a DPoP proof that worked
// on one instance is refused on the other, because the seen proof ids live in the shared store
// (Redis; or PostgreSQL alone, each instance with its own DATA_DIR), not in a process.

const PASSWORD = 'correct horse battery';
/** Where people reach the app (a balancer in front of both); proofs name it, whichever instance answers. */
const PUBLIC_URL = 'http://jwtlab.test';
const PROOF_REFUSED = 'DPoP error="invalid_dpop_proof", algs="ES256 ES384 EdDSA"';

let key: DpopKey;
beforeAll(async () => {
  key = await createDpopKey();
});

interface Deployment {
  a: ServerProcess;
  b: ServerProcess;
  close(): Promise<void>;
}

const COMMON_ENV = { PUBLIC_URL, ATTACK_LAB: 'false' };

const DEPLOYMENTS: Array<[string, () => Promise<Deployment>]> = [
  [
    'one Redis (users in a shared DATA_DIR)',
    async () => {
      const redis: RedisServer = await startRedisServer();
      const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-dpop-multi-'));
      const env = { ...COMMON_ENV, DATA_DIR: dataDir, REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('dpop-multi') };
      const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
      return {
        a,
        b,
        async close() {
          await Promise.all([a.stop(), b.stop()]);
          await redis.dispose();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'PostgreSQL alone (a DATA_DIR each)',
    async () => {
      const database: TestDatabase = await createTestDatabase();
      const dirs = await Promise.all([mkdtemp(path.join(tmpdir(), 'jwt-lab-dpop-pg-a-')), mkdtemp(path.join(tmpdir(), 'jwt-lab-dpop-pg-b-'))]);
      // One after the other: the first creates the schema and the keys, the second finds them.
      const a = await startServerProcess({ ...COMMON_ENV, DATA_DIR: dirs[0], DATABASE_URL: database.url });
      const b = await startServerProcess({ ...COMMON_ENV, DATA_DIR: dirs[1], DATABASE_URL: database.url });
      return {
        a,
        b,
        async close() {
          await Promise.all([a.stop(), b.stop()]);
          await database.drop();
          await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
        },
      };
    },
  ],
];

async function call(server: ServerProcess, method: 'GET' | 'POST', route: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null, headers: response.headers };
}

const proofFor = (method: string, route: string, accessToken?: string) =>
  key.proof({ method, url: `${PUBLIC_URL}${route}`, now: Date.now(), ...(accessToken === undefined ? {} : { accessToken }) });

describe.each(DEPLOYMENTS)('DPoP across two instances on %s', (_name, deploy) => {
  let a: ServerProcess;
  let b: ServerProcess;
  let deployment: Deployment | undefined;
  afterAll(() => deployment?.close());

  let accessToken: string;
  let refreshToken: string;
  beforeAll(async () => {
    deployment = await deploy();
    ({ a, b } = deployment);
    const username = `dpop_${randomUUID().slice(0, 12)}`;
    expect((await call(a, 'POST', '/api/auth/register', {}, { username, password: PASSWORD })).status).toBe(201);
    const login = await call(a, 'POST', '/api/auth/login', { dpop: await proofFor('POST', '/api/auth/login') }, { username, password: PASSWORD, mode: 'dpop' });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    ({ accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string });
    expect(decodeJwt(accessToken).cnf).toEqual({ jkt: key.jkt });
  }, 60_000);

  it('takes a token issued on A with a fresh proof on B', async () => {
    const answer = await call(b, 'GET', '/api/private', { authorization: `DPoP ${accessToken}`, dpop: await proofFor('GET', '/api/private', accessToken) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ via: 'dpop' });
  });

  it('refuses on B a proof already used on A (its jti is in Redis), and on A one used on B', async () => {
    const proof = await proofFor('GET', '/api/private', accessToken);
    const headers = { authorization: `DPoP ${accessToken}`, dpop: proof };
    expect((await call(a, 'GET', '/api/private', headers)).status).toBe(200);
    const replayed = await call(b, 'GET', '/api/private', headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/already used/) });
    expect(replayed.headers.get('www-authenticate')).toBe(PROOF_REFUSED);

    const other = { authorization: `DPoP ${accessToken}`, dpop: await proofFor('GET', '/api/private', accessToken) };
    expect((await call(b, 'GET', '/api/private', other)).status).toBe(200);
    expect((await call(a, 'GET', '/api/private', other)).status).toBe(401);
  });

  it('refuses on B a refresh proof already used on A, and spends nothing there', async () => {
    const proof = await proofFor('POST', '/api/auth/refresh');
    const first = await call(a, 'POST', '/api/auth/refresh', { dpop: proof }, { refreshToken });
    expect(first.status).toBe(200);
    const rotated = (first.body as { refreshToken: string }).refreshToken;
    const replayed = await call(b, 'POST', '/api/auth/refresh', { dpop: proof }, { refreshToken: rotated });
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/already used/) });
    expect(replayed.headers.get('www-authenticate')).toBe(PROOF_REFUSED);
    // The refused replay did not spend the rotated refresh token: with a fresh proof B takes it.
    expect((await call(b, 'POST', '/api/auth/refresh', { dpop: await proofFor('POST', '/api/auth/refresh') }, { refreshToken: rotated })).status).toBe(200);
  });
});
