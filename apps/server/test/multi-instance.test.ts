import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, spawnServer, startServerProcess, type ServerProcess } from './support/redis-instances.js';
import { freePort, startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';

// Two real server processes on one real Redis (started here, on its own port, stopped by PID),
// sharing one DATA_DIR as the two-instance recipe in docs/multi-instance.md does: users and the
// HS256 key are shared through it, sessions, revocations and login limits through Redis.

const PASSWORD = 'correct horse battery';
const USERS_UNDER_LOAD = 200;

let redis: RedisServer;
let dataDir: string;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-multi-'));
  const env = {
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: uniqueKeyPrefix('multi-instance'),
    // The load test registers its users from one address.
    REGISTER_LIMIT: '1000',
  };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const newUsername = () => `multi_${randomUUID().slice(0, 12)}`;

async function register(server: ServerProcess, username = newUsername()) {
  const answer = await callApi(server, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } });
  expect(answer.status).toBe(201);
  return username;
}

async function login(server: ServerProcess, username: string) {
  const answer = await callApi(server, 'POST', '/api/auth/login', { body: { username, password: PASSWORD, mode: 'header' } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { accessToken: string; refreshToken: string; user: { id: string; username: string } };
}

const privateData = (server: ServerProcess, token: string) => callApi(server, 'GET', '/api/private', { token });

function expectRefused(answer: Awaited<ReturnType<typeof callApi>>, code: string) {
  expect(answer.status).toBe(401);
  expect(answer.body?.error).toBe(code);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('two instances on one Redis', () => {
  it('both start on the Redis store and say so', async () => {
    for (const server of [a, b]) {
      expect(server.readyLine).toContain('(store: redis,');
      const health = await callApi(server, 'GET', '/api/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', store: 'redis' });
    }
  });

  it('accepts on B a token issued by A', async () => {
    const username = await register(a);
    const { accessToken } = await login(a, username);
    const answer = await privateData(b, accessToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ user: { username }, via: 'header' });
  });

  it('refuses on B, from the next request on, a token logged out on A (well within 50 ms)', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { accessToken } = await login(a, await register(a));
      expect((await privateData(b, accessToken)).status).toBe(200);
      const logout = await callApi(a, 'POST', '/api/auth/logout', { token: accessToken });
      expect(logout.status).toBe(204);
      const loggedOutAt = performance.now();
      expectRefused(await privateData(b, accessToken), 'token_revoked');
      latencies.push(performance.now() - loggedOutAt);
    }
    console.info(`logout answered on A → refusal received from B: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(50);
  });

  it('ends on every instance the sessions created on A when the user logs out everywhere on B', async () => {
    const username = await register(a);
    const [first, second] = [await login(a, username), await login(a, username)];
    const bystander = await login(a, await register(b));
    expect((await privateData(b, first.accessToken)).status).toBe(200);

    const logoutAll = await callApi(b, 'POST', '/api/auth/logout-all', { token: second.accessToken });
    expect(logoutAll.status).toBe(204);
    for (const server of [a, b]) {
      for (const session of [first, second]) expectRefused(await privateData(server, session.accessToken), 'token_revoked');
      expect((await privateData(server, bystander.accessToken)).status).toBe(200);
    }
  });

  it('refuses on B a refresh token already rotated on A, and ends that session everywhere', async () => {
    const original = await login(a, await register(a));
    const rotated = await callApi(a, 'POST', '/api/auth/refresh', { body: { refreshToken: original.refreshToken } });
    expect(rotated.status).toBe(200);
    const { accessToken, refreshToken } = rotated.body as { accessToken: string; refreshToken: string };
    expect((await privateData(b, accessToken)).status).toBe(200);

    expectRefused(await callApi(b, 'POST', '/api/auth/refresh', { body: { refreshToken: original.refreshToken } }), 'refresh_token_reused');
    for (const server of [a, b]) expectRefused(await privateData(server, accessToken), 'token_revoked');
    expectRefused(await callApi(a, 'POST', '/api/auth/refresh', { body: { refreshToken } }), 'invalid_token');
  });

  it('counts failed logins on both instances against one limit', async () => {
    const username = await register(a);
    for (let i = 0; i < 10; i++) {
      const answer = await callApi(i % 2 ? a : b, 'POST', '/api/auth/login', { body: { username, password: 'wrong password!', mode: 'header' } });
      expect(answer.status).toBe(401);
      expect(answer.body?.error).toBe('invalid_credentials');
    }
    for (const server of [a, b]) {
      // Even the right password: the username is locked until the window ends.
      const answer = await callApi(server, 'POST', '/api/auth/login', { body: { username, password: PASSWORD, mode: 'header' } });
      expect(answer.status).toBe(429);
      expect(answer.body?.error).toBe('rate_limited');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(800);
    }
  });

  it(`serves ${USERS_UNDER_LOAD} concurrent users over both instances, refusing every request after logout, with no 5xx but load shedding`, async () => {
    const statuses: number[] = [];
    const afterLogout: Array<{ status: number; error: string | undefined }> = [];
    let shed = 0;
    const record = <T extends { status: number }>(answer: T) => {
      statuses.push(answer.status);
      return answer;
    };
    // A burst past the password-hash capacity is answered 503 server_busy with Retry-After at once:
    // this client does what a real one should, and comes back when told.
    const hashing = async (call: () => ReturnType<typeof callApi>) => {
      for (;;) {
        const answer = await call();
        if (answer.status !== 503 || answer.body?.error !== 'server_busy') return record(answer);
        shed += 1;
        const retryAfter = Number(answer.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      }
    };
    await Promise.all(
      Array.from({ length: USERS_UNDER_LOAD }, async (_, i) => {
        const [home, other] = i % 2 ? [a, b] : [b, a];
        const username = newUsername();
        const registered = await hashing(() => callApi(home, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } }));
        expect(registered.status, JSON.stringify(registered.body)).toBe(201);
        const loggedIn = await hashing(() => callApi(home, 'POST', '/api/auth/login', { body: { username, password: PASSWORD, mode: 'header' } }));
        expect(loggedIn.status, JSON.stringify(loggedIn.body)).toBe(200);
        const { accessToken } = loggedIn.body as { accessToken: string };
        expect(record(await privateData(other, accessToken)).status).toBe(200);
        expect(record(await callApi(i % 4 < 2 ? home : other, 'POST', '/api/auth/logout', { token: accessToken })).status).toBe(204);
        for (const server of [other, home]) {
          const answer = record(await privateData(server, accessToken));
          afterLogout.push({ status: answer.status, error: answer.body?.error });
        }
      }),
    );
    console.info(`${USERS_UNDER_LOAD} users at once: ${shed} password checks shed with 503 server_busy and retried`);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(afterLogout).toHaveLength(2 * USERS_UNDER_LOAD);
    expect(afterLogout.filter(({ status, error }) => status !== 401 || error !== 'token_revoked')).toEqual([]);
  }, 120_000);

  it('fails closed while Redis is down (503, never 200 for a token revoked just before), and resumes when it is back', async () => {
    const kept = await login(a, await register(a));
    const revoked = await login(a, await register(a));
    for (const server of [a, b]) expect((await privateData(server, revoked.accessToken)).status).toBe(200);
    expect((await callApi(b, 'POST', '/api/auth/logout', { token: revoked.accessToken })).status).toBe(204);

    // A crash, not a shutdown: Redis gets no chance to flush or to say goodbye.
    await redis.stop('SIGKILL');
    const stoppedAt = performance.now();
    const revokedAnswers: number[] = [];
    const untilUnavailable = async (server: ServerProcess) => {
      for (;;) {
        revokedAnswers.push((await privateData(server, revoked.accessToken)).status);
        const answer = await privateData(server, kept.accessToken);
        if (answer.status === 503) return { elapsed: performance.now() - stoppedAt, answer };
        expect(answer.status).toBe(200);
        if (performance.now() - stoppedAt > 2_000) throw new Error('still serving 2 s after Redis stopped');
      }
    };
    const unavailable = await Promise.all([untilUnavailable(a), untilUnavailable(b)]);
    console.info(`Redis killed → 503 on A after ${unavailable[0].elapsed.toFixed(1)} ms, on B after ${unavailable[1].elapsed.toFixed(1)} ms`);
    for (const { elapsed, answer } of unavailable) {
      expect(elapsed).toBeLessThan(1_000);
      expect(answer.body?.error).toBe('store_unavailable');
    }
    for (const server of [a, b]) {
      const health = await callApi(server, 'GET', '/api/health');
      expect(health.status).toBe(503);
      expect(health.body?.error).toBe('store_unavailable');
      expect((await callApi(server, 'POST', '/api/auth/login', { body: { username: 'nobody_here', password: PASSWORD, mode: 'header' } })).status).toBe(503);
      for (let i = 0; i < 5; i++) revokedAnswers.push((await privateData(server, revoked.accessToken)).status);
    }
    expect(revokedAnswers.filter((status) => status !== 401 && status !== 503)).toEqual([]);

    const restartedAt = performance.now();
    await redis.restart();
    for (const server of [a, b]) {
      while ((await callApi(server, 'GET', '/api/health')).status !== 200) {
        expect(performance.now() - restartedAt).toBeLessThan(15_000);
        expect([401, 503]).toContain((await privateData(server, revoked.accessToken)).status);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    console.info(`redis-server started again → both instances healthy after ${(performance.now() - restartedAt).toFixed(0)} ms`);
    // The revocation made before the outage still holds (it was in Redis, which kept it on disk).
    for (const server of [a, b]) {
      expectRefused(await privateData(server, revoked.accessToken), 'token_revoked');
      expect((await privateData(server, kept.accessToken)).status).toBe(200);
    }
    const fresh = await login(b, await register(b));
    expect((await privateData(a, fresh.accessToken)).status).toBe(200);
  }, 60_000);

  it('stops at start with one line naming REDIS_URL when Redis cannot be reached', async () => {
    const port = await freePort();
    const child = spawnServer({ DATA_DIR: dataDir, PORT: '0', REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'info' });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(stderr).toBe(`jwt-lab: cannot start: REDIS_URL cannot be reached at redis://127.0.0.1:${port} within 3 s (connect ECONNREFUSED 127.0.0.1:${port})\n`);
    expect(stdout).toBe('');
  }, 20_000);
});
