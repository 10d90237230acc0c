import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStores } from '../src/stores/sqlite/sqlite-stores.js';
import { deviceCookieName } from '../src/transports/device-cookie.js';
import { legacyScryptHash } from './support/legacy-hash.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';
import { bearer, errorOf, startTestApp, type TestApp } from './support/test-app.js';

/** The one claim these tests read from a token they were issued. */
const ExpiryClaim = Type.Object({ exp: Type.Integer() });

// What a demanding user of an auth service expects when clients are many, parallel or hostile:
// limits that parallel guesses cannot pass, a lock a stranger cannot use against the user's own
// browsers, load shedding instead of timeouts, and no answer at all for a name that is not ours.

const PASSWORD = 'correct horse battery';
const WRONG = 'not the password';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.dispose());

const login = (t: TestApp, username: string, password: string, { ip = '10.0.0.1', cookie }: { ip?: string; cookie?: string } = {}) =>
  t.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, headers: cookie ? { cookie } : {}, payload: { username, password, mode: 'header' } });

/** The device cookie a successful login sets, as the browser would send it back. */
function deviceCookieOf(response: LightMyRequestResponse): string {
  const device = response.cookies.find((cookie) => cookie.name.startsWith('jwtlab_device_'));
  if (!device) throw new Error('the login set no device cookie');
  expect(device).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth/login' });
  return `${device.name}=${device.value}`;
}

describe.each([
  ['SQLite', () => ({})],
  ['Redis', () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('hostile') })],
] as const)('login limits on %s', (_store, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    // A queue long enough that no login here is shed: shedding is tested on its own below.
    t = await startTestApp({ env: { ...storeEnv(), REGISTER_LIMIT: '1000' }, hashQueue: { maxWaitMs: 60_000 } });
  });
  afterAll(() => t.close());

  it('judges at most the limit (10) of 40 parallel wrong-password logins for one username; the rest get 429 with Retry-After', async () => {
    const username = t.uniqueUsername('parallel');
    await t.register(username, PASSWORD);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login(t, username, WRONG, { ip: `10.40.0.${i}` })));
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    for (const answer of answers.filter((candidate) => candidate.statusCode === 429)) {
      expect(errorOf(answer).error).toBe('rate_limited');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The lock holds for the right password too, from a device that never logged in.
    expect(errorOf(await login(t, username, PASSWORD, { ip: '10.40.1.1' }))).toMatchObject({ status: 429, error: 'rate_limited' });
  });

  it('lets many people behind one address log in at once: logins in flight do not count against the per-client limit', async () => {
    const people = await Promise.all(Array.from({ length: 120 }, async () => {
      const username = t.uniqueUsername('office');
      await t.register(username, PASSWORD);
      return username;
    }));
    const answers = await Promise.all(people.map((username) => login(t, username, PASSWORD, { ip: '10.43.0.1' })));
    expect(answers.map((answer) => answer.statusCode).filter((status) => status !== 200)).toEqual([]);
  });

  it("lets a device that logged in before past a stranger's lock on the username, on a budget of its own; a new device stays locked", async () => {
    const username = t.uniqueUsername('device');
    await t.register(username, PASSWORD);
    const first = await login(t, username, PASSWORD, { ip: '10.41.0.1' });
    expect(first.statusCode).toBe(200);
    const device = deviceCookieOf(first);

    for (let i = 0; i < 10; i++) expect((await login(t, username, WRONG, { ip: `10.41.1.${i}` })).statusCode).toBe(401);
    expect((await login(t, username, PASSWORD, { ip: '10.41.2.1' })).statusCode).toBe(429);

    const known = await login(t, username, PASSWORD, { ip: '10.41.0.1', cookie: device });
    expect(known.statusCode).toBe(200);
    expect(known.json()).toMatchObject({ user: { username } });

    // The device's own budget: its failures lock it, not the username's other devices.
    for (let i = 0; i < 10; i++) expect((await login(t, username, WRONG, { cookie: device })).statusCode).toBe(401);
    expect(errorOf(await login(t, username, PASSWORD, { cookie: device }))).toMatchObject({ status: 429, error: 'rate_limited' });
  });

  it("does not take another user's device token, or a forged one, as a known device", async () => {
    const [owner, victim] = [t.uniqueUsername('owner'), t.uniqueUsername('victim')];
    await t.register(owner, PASSWORD);
    await t.register(victim, PASSWORD);
    const ownerToken = deviceCookieOf(await login(t, owner, PASSWORD)).split('=')[1]!;
    for (let i = 0; i < 10; i++) await login(t, victim, WRONG, { ip: `10.42.1.${i}` });
    const asVictimDevice = (token: string) => login(t, victim, PASSWORD, { cookie: `${deviceCookieName(victim)}=${token}` });
    // The owner's token under the victim's cookie name: it speaks for the owner, so it does not count.
    expect((await asVictimDevice(ownerToken)).statusCode).toBe(429);
    expect((await asVictimDevice('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZGlkIjoieCJ9.')).statusCode).toBe(429);
    expect((await asVictimDevice(`${ownerToken.slice(0, -2)}AA`)).statusCode).toBe(429);
  });
});


describe('registration', () => {
  it('is limited per client address (REGISTER_LIMIT), with Retry-After; other addresses are not affected', async () => {
    const t = await startTestApp({ env: { REGISTER_LIMIT: '3' } });
    try {
      const register = (ip: string) => t.inject({ method: 'POST', url: '/api/auth/register', remoteAddress: ip, payload: { username: t.uniqueUsername('reg'), password: PASSWORD } });
      for (let i = 0; i < 3; i++) expect((await register('10.50.0.1')).statusCode).toBe(201);
      const limited = await register('10.50.0.1');
      expect(errorOf(limited)).toMatchObject({ status: 429, error: 'rate_limited' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await register('10.50.0.2')).statusCode).toBe(201);
      // Parallel registrations cannot pass the limit either.
      const parallel = await Promise.all(Array.from({ length: 10 }, () => register('10.50.0.3')));
      expect(parallel.filter((answer) => answer.statusCode === 201)).toHaveLength(3);
    } finally {
      await t.close();
    }
  });
});

describe('password hashing under a burst', () => {
  it('answers 503 server_busy with Retry-After at once past the hash bound, while protected routes keep answering', async () => {
    // One hash at a time and at most ~60 ms of queue: a burst of 40 logins cannot all wait.
    const t = await startTestApp({ hashQueue: { maxInFlight: 1, maxWaitMs: 60 }, loginThrottle: { maxFailuresPerUsername: 1000, maxFailuresPerClient: 1000 } });
    try {
      const { accessToken } = await t.loginHeader();
      const username = t.uniqueUsername('burst');
      await t.register(username, PASSWORD);
      const timed = async (run: () => Promise<LightMyRequestResponse>) => {
        const started = performance.now();
        const answer = await run();
        return { answer, ms: performance.now() - started };
      };
      const burst = Promise.all(Array.from({ length: 40 }, (_, i) => timed(() => login(t, username, i % 2 ? PASSWORD : WRONG, { ip: `10.60.0.${i}` }))));
      const duringBurst = await timed(() => t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) }));
      const answers = await burst;

      const shed = answers.filter(({ answer }) => answer.statusCode === 503);
      expect(shed.length).toBeGreaterThan(0);
      for (const { answer, ms } of shed) {
        expect(errorOf(answer).error).toBe('server_busy');
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
        expect(ms).toBeLessThan(1_000); // refused at once, not after waiting its turn
      }
      expect(answers.map(({ answer }) => answer.statusCode).filter((status) => ![200, 401, 503].includes(status))).toEqual([]);
      expect(duringBurst.answer.statusCode).toBe(200);
      // Shed attempts were not judged, so they cost the username nothing.
      expect((await login(t, username, PASSWORD)).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('names that are not ours (DNS rebinding)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_URL: 'https://jwt-lab.example', ALLOWED_HOSTS: 'health.internal' } });
  });
  afterAll(() => t.close());

  it.each([
    ['GET', '/api/health'],
    ['GET', '/api/outbox'],
    ['POST', '/api/auth/password-reset/request'],
    ['POST', '/api/auth/login'],
    ['GET', '/api/private'],
    ['GET', '/.well-known/jwks.json'],
    ['GET', '/'],
    ['GET', '/no/such/route'],
  ] as const)('answers %s %s for Host evil.test with 421 misdirected_request', async (method, url) => {
    const answer = await t.inject({ method, url, headers: { host: 'evil.test:3000', origin: 'http://evil.test:3000' }, ...(method === 'POST' ? { payload: { email: 'a@b.example' } } : {}) });
    expect(errorOf(answer)).toMatchObject({ status: 421, error: 'misdirected_request' });
  });

  it("answers for PUBLIC_URL's host, ALLOWED_HOSTS and the loopback names", async () => {
    for (const host of ['jwt-lab.example', 'health.internal:8080', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000']) {
      expect((await t.inject({ method: 'GET', url: '/api/health', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it("compares Origin with the app's own origins, never with the request's Host", async () => {
    const resetRequest = (headers: Record<string, string>) => t.inject({ method: 'POST', url: '/api/auth/password-reset/request', remoteAddress: '10.70.0.1', headers, payload: { email: 'someone@example.test' } });
    // Host and Origin agree, but they are not us: a page on localhost:4000 is another origin.
    expect(errorOf(await resetRequest({ host: 'localhost:4000', origin: 'http://localhost:4000' }))).toMatchObject({ status: 403, error: 'csrf_failed' });
    expect((await resetRequest({ host: 'localhost:3000', origin: 'https://jwt-lab.example' })).statusCode).toBe(202);
    expect((await resetRequest({ host: 'localhost:3000', origin: 'http://localhost:3000' })).statusCode).toBe(202);
  });
});

describe('credential cookies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses a request that carries the access cookie twice (cookie tossing), whichever copy is valid', async () => {
    const first = await t.loginCookie();
    const other = await t.loginCookie();
    for (const cookie of [`jwtlab_access=${first.accessCookie}; jwtlab_access=${other.accessCookie}`, `jwtlab_access=${first.accessCookie}; x=1; jwtlab_access=${first.accessCookie}`]) {
      const answer = await t.inject({ method: 'GET', url: '/api/private', headers: { cookie } });
      expect(errorOf(answer)).toMatchObject({ status: 401, error: 'invalid_token' });
      expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
    expect((await t.inject({ method: 'GET', url: '/api/private', headers: { cookie: `jwtlab_access=${first.accessCookie}` } })).statusCode).toBe(200);
  });

  it('refuses a refresh that carries the refresh cookie twice, and spends nothing', async () => {
    const { refreshCookie, csrfToken } = await t.loginCookie();
    const refresh = (cookie: string) => t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(errorOf(await refresh(`jwtlab_refresh=${refreshCookie}; jwtlab_refresh=forged`))).toMatchObject({ status: 401, error: 'invalid_token' });
    expect((await refresh(`jwtlab_refresh=${refreshCookie}`)).statusCode).toBe(200);
  });
});

describe('SESSION_MAX_AGE', () => {
  it('ends a session at its maximum age however often it is refreshed: no token outlives it', async () => {
    const t = await startTestApp({ env: { SESSION_MAX_AGE: '3600', ACCESS_TOKEN_TTL: '900', REFRESH_TOKEN_TTL: '86400' } });
    try {
      const loggedInAt = Math.floor(t.now() / 1000);
      let { refreshToken } = await t.loginHeader();
      let accessToken = '';
      for (let i = 0; i < 4; i++) {
        t.advance(800);
        const refreshed = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
        expect(refreshed.statusCode).toBe(200);
        ({ accessToken, refreshToken } = refreshed.json<{ accessToken: string; refreshToken: string }>());
        const [access, refresh] = [accessToken, refreshToken].map((token) => Value.Parse(ExpiryClaim, JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())));
        expect(access!.exp).toBeLessThanOrEqual(loggedInAt + 3600);
        expect(refresh!.exp).toBeLessThanOrEqual(loggedInAt + 3600);
      }
      t.advance(3600 - 4 * 800);
      expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) }))).toMatchObject({ status: 401, error: 'token_expired' });
      expect(errorOf(await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } }))).toMatchObject({ status: 401, error: 'invalid_token' });
    } finally {
      await t.close();
    }
  });

  it('refuses a live token of a session older than a lowered SESSION_MAX_AGE after a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-max-age-'));
    try {
      const before = await startTestApp({ dataDir });
      const { accessToken } = await before.loginHeader();
      await before.close();
      const after = await startTestApp({ dataDir, env: { SESSION_MAX_AGE: '60' } });
      try {
        expect((await after.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) })).statusCode).toBe(200);
        after.advance(61);
        expect(errorOf(await after.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) }))).toMatchObject({ status: 401, error: 'token_expired' });
      } finally {
        await after.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('passwords hashed before argon2id', () => {
  it('logs in with an old scrypt hash and replaces it with an argon2id hash', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-legacy-'));
    try {
      const legacy = createSqliteStores({ dataDir });
      await legacy.users.create({ id: 'legacy-user', username: 'old_timer', passwordHash: legacyScryptHash(PASSWORD), createdAt: Date.now() });
      await legacy.close();

      const t = await startTestApp({ dataDir });
      expect((await login(t, 'old_timer', WRONG)).statusCode).toBe(401);
      expect((await login(t, 'old_timer', PASSWORD)).statusCode).toBe(200);
      await t.close();

      const after = createSqliteStores({ dataDir });
      const user = await after.users.findByUsername('old_timer');
      await after.close();
      expect(user?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

      const again = await startTestApp({ dataDir });
      expect((await login(again, 'old_timer', PASSWORD)).statusCode).toBe(200);
      await again.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
