import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';
import { cookieClient, dpopClient, headerClient, memoryClient, type OutgoingRequest } from './support/strategy-clients.js';
import { ACCESS_COOKIE, bearer, errorOf, FOREIGN_ORIGIN, SAME_ORIGIN, startTestApp, type TestApp } from './support/test-app.js';

// GET /api/auth/sessions and DELETE /api/auth/sessions/:id, on every store (SQLite, Redis,
// PostgreSQL), in both modes; and, on the shared stores, a session revoked on one instance
// refused on the other from the next request.

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const PASSWORD = 'correct horse battery';

let redis: RedisServer;
const databases: TestDatabase[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
  await Promise.all(databases.map((database) => database.drop()));
});

/** The environment of one deployment: every app started with it shares its stores. */
const deployments: Record<string, () => Promise<Record<string, string>>> = {
  SQLite: async () => ({}),
  Redis: async () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('sessions') }),
  PostgreSQL: async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return { DATABASE_URL: database.url };
  },
};

interface SessionSummary {
  id: string;
  current: boolean;
  mode: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string;
  ip: string;
}

describe.each(Object.keys(deployments))('sessions a user can see (%s)', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: await deployments[store]!() });
  });
  afterAll(() => t?.close());

  const login = async (username: string, mode: 'header' | 'cookie', userAgent: string) => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', headers: { 'user-agent': userAgent }, payload: { username, password: PASSWORD, mode } });
    expect(response.statusCode).toBe(200);
    return response;
  };
  const loginHeader = async (username: string, userAgent = FIREFOX) => (await login(username, 'header', userAgent)).json<{ accessToken: string }>().accessToken;
  const list = async (token: string) => {
    const response = await t.inject({ method: 'GET', url: '/api/auth/sessions', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    return response.json<{ sessions: SessionSummary[] }>().sessions;
  };
  const revoke = (token: string, id: string) => t.inject({ method: 'DELETE', url: `/api/auth/sessions/${id}`, headers: bearer(token) });
  const privateData = (token: string) => t.inject({ method: 'GET', url: '/api/private', headers: bearer(token) });

  it('lists the live sessions newest first, the current one marked, with mode, device, address and times', async () => {
    const username = t.uniqueUsername('list');
    await t.register(username, PASSWORD);
    const phone = await login(username, 'cookie', IPHONE);
    t.advance(1);
    const laptop = await loginHeader(username, FIREFOX);
    const laptopAt = t.now();
    t.advance(1);
    const loggedOut = await loginHeader(username, 'curl/8.5.0');
    expect((await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(loggedOut) })).statusCode).toBe(204);
    await loginHeader(await t.register(t.uniqueUsername('other'), PASSWORD).then((user) => user.username)); // someone else's

    const sessions = await list(laptop);
    expect(sessions.map((session) => [session.userAgent, session.mode, session.current])).toEqual([
      ['Firefox on Linux', 'header', true],
      ['Safari on iPhone', 'cookie', false],
    ]);
    const [current] = sessions;
    expect(current).toEqual({
      id: expect.any(String),
      current: true,
      mode: 'header',
      createdAt: new Date(laptopAt).toISOString(),
      lastUsedAt: new Date(laptopAt).toISOString(),
      expiresAt: new Date(laptopAt + 604_800_000).toISOString(),
      userAgent: 'Firefox on Linux',
      ip: '127.0.0.1',
    });
    expect(phone.statusCode).toBe(200);
  });

  it('moves lastUsedAt when a token is used, at most once a minute (no write per request)', async () => {
    const token = await loginHeader(await t.register(t.uniqueUsername('used'), PASSWORD).then((user) => user.username));
    const loggedInAt = t.now();
    t.advance(30);
    expect((await privateData(token)).statusCode).toBe(200);
    expect((await list(token))[0]!.lastUsedAt).toBe(new Date(loggedInAt).toISOString());
    t.advance(31);
    expect((await privateData(token)).statusCode).toBe(200);
    const usedAt = t.now();
    t.advance(5);
    expect((await privateData(token)).statusCode).toBe(200);
    expect((await list(token))[0]!.lastUsedAt).toBe(new Date(usedAt).toISOString());
  });

  it('revokes another session of the user at once (204): its token is refused, the current one still works', async () => {
    const username = (await t.register(t.uniqueUsername('revoke'), PASSWORD)).username;
    const stolen = await loginHeader(username, IPHONE);
    const mine = await loginHeader(username, FIREFOX);
    const other = (await list(mine)).find((session) => !session.current)!;

    const answer = await revoke(mine, other.id);
    expect(answer.statusCode).toBe(204);
    expect(answer.body).toBe('');
    const refused = await privateData(stolen);
    expect(errorOf(refused)).toMatchObject({ status: 401, error: 'token_revoked' });
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect((await privateData(mine)).statusCode).toBe(200);
    expect((await list(mine)).map((session) => session.id)).not.toContain(other.id);
  });

  it("answers 404 not_found for another user's session, an unknown id and an ended session, and revokes none of them", async () => {
    const victim = await loginHeader((await t.register(t.uniqueUsername('victim'), PASSWORD)).username);
    const victimSession = (await list(victim))[0]!;
    const attacker = await loginHeader((await t.register(t.uniqueUsername('attacker'), PASSWORD)).username);
    const ended = await loginHeader((await t.register(t.uniqueUsername('ended'), PASSWORD)).username);
    const endedSession = (await list(ended))[0]!;
    await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(ended) });

    for (const id of [victimSession.id, 'no-such-session', endedSession.id]) {
      const answer = await revoke(attacker, id);
      expect(errorOf(answer)).toMatchObject({ status: 404, error: 'not_found' });
    }
    expect((await privateData(victim)).statusCode).toBe(200);
  });

  it('answers 401 missing_token on both routes without a credential', async () => {
    for (const request of [
      { method: 'GET' as const, url: '/api/auth/sessions' },
      { method: 'DELETE' as const, url: '/api/auth/sessions/anything' },
    ]) {
      const answer = await t.inject(request);
      expect(errorOf(answer)).toMatchObject({ status: 401, error: 'missing_token' });
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
  });

  describe('in cookie mode', () => {
    const cookieLogin = async (username: string, userAgent = FIREFOX) => {
      const response = await login(username, 'cookie', userAgent);
      const accessCookie = response.cookies.find((cookie) => cookie.name === ACCESS_COOKIE)!.value;
      return { cookies: { [ACCESS_COOKIE]: accessCookie }, csrfToken: response.json<{ csrfToken: string }>().csrfToken };
    };

    it('lists with the cookie alone, but revokes only with the CSRF token from our own origin', async () => {
      const username = (await t.register(t.uniqueUsername('csrf'), PASSWORD)).username;
      const otherDevice = await loginHeader(username, IPHONE);
      const browser = await cookieLogin(username);
      const listed = await t.inject({ method: 'GET', url: '/api/auth/sessions', cookies: browser.cookies });
      expect(listed.statusCode).toBe(200);
      const target = listed.json<{ sessions: SessionSummary[] }>().sessions.find((session) => !session.current)!;
      const url = `/api/auth/sessions/${target.id}`;

      for (const headers of [SAME_ORIGIN, { ...FOREIGN_ORIGIN, 'x-csrf-token': browser.csrfToken }, { ...SAME_ORIGIN, 'x-csrf-token': 'not-the-token' }]) {
        const refused = await t.inject({ method: 'DELETE', url, cookies: browser.cookies, headers });
        expect(errorOf(refused)).toMatchObject({ status: 403, error: 'csrf_failed' });
      }
      expect((await privateData(otherDevice)).statusCode).toBe(200);

      const done = await t.inject({ method: 'DELETE', url, cookies: browser.cookies, headers: { ...SAME_ORIGIN, 'x-csrf-token': browser.csrfToken } });
      expect(done.statusCode).toBe(204);
      expect(errorOf(await privateData(otherDevice))).toMatchObject({ status: 401, error: 'token_revoked' });
    });

    it('treats revoking the current session as logout: 204, cookies cleared, its token refused', async () => {
      const browser = await cookieLogin((await t.register(t.uniqueUsername('self'), PASSWORD)).username);
      const [current] = (await t.inject({ method: 'GET', url: '/api/auth/sessions', cookies: browser.cookies })).json<{ sessions: SessionSummary[] }>().sessions;
      const answer = await t.inject({
        method: 'DELETE',
        url: `/api/auth/sessions/${current!.id}`,
        cookies: browser.cookies,
        headers: { ...SAME_ORIGIN, 'x-csrf-token': browser.csrfToken },
      });
      expect(answer.statusCode).toBe(204);
      const cleared = Object.fromEntries(answer.cookies.map((cookie) => [cookie.name, cookie]));
      expect(cleared[ACCESS_COOKIE]).toMatchObject({ value: '', path: '/api' });
      expect(cleared[ACCESS_COOKIE]!.expires!.getTime()).toBeLessThanOrEqual(Date.now());
      const after = await t.inject({ method: 'GET', url: '/api/private', cookies: browser.cookies });
      expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
    });
  });
});

describe.each(['Redis', 'PostgreSQL'])('a session revoked on one instance (%s)', (store) => {
  let a: TestApp;
  let b: TestApp;
  let dataDirs: string[] = [];
  beforeAll(async () => {
    const env = await deployments[store]!();
    dataDirs = await Promise.all([1, 2].map(() => mkdtemp(path.join(tmpdir(), 'jwt-lab-sessions-'))));
    // Separate DATA_DIRs with PostgreSQL (nothing shared on disk); Redis keeps users in a shared SQLite file.
    const [dirA, dirB] = store === 'Redis' ? [dataDirs[0]!, dataDirs[0]!] : [dataDirs[0]!, dataDirs[1]!];
    a = await startTestApp({ env, dataDir: dirA });
    b = await startTestApp({ env, dataDir: dirB });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('is refused on the other instance from the next request, and gone from its list', async () => {
    const username = (await a.register(a.uniqueUsername('across'), PASSWORD)).username;
    const loginOn = async (app: TestApp) =>
      (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD, mode: 'header' } })).json<{ accessToken: string }>().accessToken;
    const stolen = await loginOn(a);
    const mine = await loginOn(b);
    expect((await b.inject({ method: 'GET', url: '/api/private', headers: bearer(stolen) })).statusCode).toBe(200); // known on B
    const listed = (await a.inject({ method: 'GET', url: '/api/auth/sessions', headers: bearer(mine) })).json<{ sessions: SessionSummary[] }>().sessions;
    expect(listed).toHaveLength(2);
    const target = listed.find((session) => !session.current)!;

    expect((await a.inject({ method: 'DELETE', url: `/api/auth/sessions/${target.id}`, headers: bearer(mine) })).statusCode).toBe(204);
    expect(errorOf(await b.inject({ method: 'GET', url: '/api/private', headers: bearer(stolen) }))).toMatchObject({ status: 401, error: 'token_revoked' });
    const after = (await b.inject({ method: 'GET', url: '/api/auth/sessions', headers: bearer(mine) })).json<{ sessions: SessionSummary[] }>().sessions;
    expect(after.map((session) => session.current)).toEqual([true]);
  });
});

describe.each([headerClient, cookieClient, memoryClient, dpopClient])('the sessions routes in $name', (client) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('lists with the strategy\'s own request, marks it current with its mode, and revokes another session', async () => {
    const session = await client.login(t);
    const { username } = session.loginResponse.json<{ user: { username: string } }>().user;
    t.advance(1);
    const other = await t.inject({ method: 'POST', url: '/api/auth/login', headers: { 'user-agent': IPHONE }, payload: { username, password: PASSWORD, mode: 'header' } });
    const otherToken = other.json<{ accessToken: string }>().accessToken;

    const sent = ({ headers, cookies }: OutgoingRequest) => ({ headers, cookies });
    const listed = await t.inject({ method: 'GET', url: '/api/auth/sessions', ...sent(await session.request('GET', '/api/auth/sessions')) });
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json<{ sessions: SessionSummary[] }>().sessions;
    expect(sessions.map((entry) => [entry.mode, entry.current])).toEqual([
      ['header', false], // newest first
      [client.mode, true],
    ]);

    const url = `/api/auth/sessions/${sessions[0]!.id}`;
    const unproven = await session.requestWithoutOwnProof('DELETE', url);
    if (unproven) {
      // Without what proves the request is the page's own (CSRF token, DPoP proof): refused, nothing revoked.
      const refused = await t.inject({ method: 'DELETE', url, ...sent(unproven) });
      const expected = client.mode === 'dpop' ? { status: 401, error: 'invalid_token' } : { status: 403, error: 'csrf_failed' };
      expect(errorOf(refused)).toMatchObject(expected);
      if (client.mode === 'dpop') expect(refused.headers['www-authenticate']).toMatch(/^DPoP /);
      expect((await t.inject({ method: 'GET', url: '/api/private', headers: bearer(otherToken) })).statusCode).toBe(200);
    }
    const revoked = await t.inject({ method: 'DELETE', url, ...sent(await session.request('DELETE', url)) });
    expect(revoked.statusCode).toBe(204);
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(otherToken) }))).toMatchObject({ status: 401, error: 'token_revoked' });
  });
});
