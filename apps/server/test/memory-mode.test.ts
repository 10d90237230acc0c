import { decodeJwt } from 'jose';
import { LoginResponse } from '@jwt-lab/shared';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itRefusesForgedCookieRefreshes } from './support/csrf-refresh-cases.js';
import { ACCESS_COOKIE, bearer, errorOf, FOREIGN_ORIGIN, MEMORY_CSRF_COOKIE, MEMORY_REFRESH_COOKIE, memorySession, REFRESH_COOKIE, SAME_ORIGIN, startTestApp, type TestApp } from './support/test-app.js';

// Every route in memory mode: the access token in the body (the page keeps it in a variable) and
// sent as Bearer; the refresh token only in an HttpOnly cookie; a refresh needs X-CSRF-Token, which
// after a reload the page reads from its readable SameSite=Strict CSRF cookie.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

type MemorySession = ReturnType<typeof memorySession>;
const refresh = (session: Pick<MemorySession, 'refreshCookie'>, headers: Record<string, string> = {}) =>
  t.inject({ method: 'POST', url: '/api/auth/refresh', headers, cookies: { [MEMORY_REFRESH_COOKIE]: session.refreshCookie } });

describe('login in memory mode', () => {
  it('answers the access token and the CSRF token in the body, and no refresh token', async () => {
    const { response, user } = await t.loginMemory();
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ mode: 'memory', user, accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900, csrfToken: expect.stringMatching(/^[\w-]{43}$/) });
    expect(Value.Check(LoginResponse, body)).toBe(true);
    expect(response.body.match(/eyJ[\w-]*\.eyJ/g)).toHaveLength(1); // one JWT in the body: the access token
    expect(decodeJwt(body.accessToken)).toMatchObject({ sub: user.id });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie for the refresh route only', async () => {
    const { response } = await t.loginMemory();
    const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie]));
    expect(cookies[MEMORY_REFRESH_COOKIE]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth/refresh' });
    expect(cookies[MEMORY_REFRESH_COOKIE]!.maxAge).toBeGreaterThan(604_000);
    expect(decodeJwt(cookies[MEMORY_REFRESH_COOKIE]!.value)).toMatchObject({ sid: expect.any(String) });
    // No access cookie, and none of cookie mode's names: the two strategies never overwrite each other.
    expect(cookies[ACCESS_COOKIE]).toBeUndefined();
    expect(cookies[REFRESH_COOKIE]).toBeUndefined();
  });

  it('sets the CSRF token as a readable SameSite=Strict cookie on the whole site (the page reads it after a reload)', async () => {
    const { response, csrfToken } = await t.loginMemory();
    const cookie = response.cookies.find((candidate) => candidate.name === MEMORY_CSRF_COOKIE)!;
    expect(cookie).toMatchObject({ value: csrfToken, secure: true, sameSite: 'Strict', path: '/' });
    expect(cookie.httpOnly).toBeUndefined();
  });

  it('refuses a login from a foreign Origin (login CSRF) with 403 csrf_failed and sets no cookie', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'correct horse');
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', headers: FOREIGN_ORIGIN, payload: { username, password: 'correct horse', mode: 'memory' } });
    expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('private data and session in memory mode', () => {
  it('answers /api/private with the Bearer token, via "header"', async () => {
    const { accessToken, user } = await t.loginMemory();
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: expect.stringContaining('the Authorization header'), user, claims: decodeJwt(accessToken), via: 'header' });
  });

  it("answers /api/auth/session with the session's mode, memory", async () => {
    const { accessToken, user } = await t.loginMemory();
    const response = await t.inject({ method: 'GET', url: '/api/auth/session', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user, mode: 'memory', expiresAt: new Date(decodeJwt(accessToken).exp! * 1000).toISOString() });
  });

  it('the refresh cookie is no access credential', async () => {
    const session = await t.loginMemory();
    const response = await t.inject({ method: 'GET', url: '/api/private', cookies: { [MEMORY_REFRESH_COOKIE]: session.refreshCookie, [MEMORY_CSRF_COOKIE]: session.csrfCookie } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers an expired access token with token_expired, and the refresh cookie still gets a new one', async () => {
    const session = await t.loginMemory();
    t.advance(901);
    const expired = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(session.accessToken) });
    expect(errorOf(expired)).toMatchObject({ status: 401, error: 'token_expired' });
    const renewed = await refresh(session, { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken });
    expect(renewed.statusCode).toBe(200);
    const fresh = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(memorySession(renewed).accessToken) });
    expect(fresh.statusCode).toBe(200);
  });
});

describe('refresh in memory mode', () => {
  it('answers a new access token in the body and rotates the refresh cookie', async () => {
    const session = await t.loginMemory();
    const response = await refresh(session, { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ mode: 'memory', user: session.user, accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900, csrfToken: session.csrfToken });
    const next = memorySession(response);
    expect(next.accessToken).not.toBe(session.accessToken);
    expect(next.refreshCookie).not.toBe(session.refreshCookie);
    expect(next.csrfCookie).toBe(session.csrfToken);
    expect(decodeJwt(next.accessToken).sid).toBe(decodeJwt(session.accessToken).sid);
  });

  it('after a reload, the page proves the refresh is its own with the CSRF cookie it can read: so can any script in the page', async () => {
    const session = await t.loginMemory();
    // A reload: the access token and the CSRF token were in memory and are gone. The browser still
    // has both cookies; a script of this origin reads the readable one, exactly as an injected one could.
    const browserCookies = { [MEMORY_REFRESH_COOKIE]: session.refreshCookie, [MEMORY_CSRF_COOKIE]: session.csrfCookie };
    const readByScript = session.csrfCookie;
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { ...SAME_ORIGIN, 'x-csrf-token': readByScript }, cookies: browserCookies });
    expect(response.statusCode).toBe(200);
    const stolen = memorySession(response).accessToken;
    expect((await t.inject({ method: 'GET', url: '/api/private', headers: bearer(stolen) })).statusCode).toBe(200);
  });

  itRefusesForgedCookieRefreshes({
    login: () => t.loginMemory(),
    refresh,
    readPrivateWith: (refreshed) => t.inject({ method: 'GET', url: '/api/private', headers: bearer(memorySession(refreshed).accessToken) }),
  });

  it('a cross-site request, which SameSite=Strict sends without the cookie, has nothing to refresh with', async () => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { ...FOREIGN_ORIGIN, 'x-csrf-token': 'guessed' } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
  });

  it("refuses the refresh token sent another strategy's way (in the body, or as cookie mode's cookie), and spends nothing", async () => {
    const session = await t.loginMemory();
    const inBody = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { 'x-csrf-token': session.csrfToken }, payload: { refreshToken: session.refreshCookie } });
    expect(errorOf(inBody)).toMatchObject({ status: 401, error: 'invalid_token' });
    const asCookieMode = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { 'x-csrf-token': session.csrfToken }, cookies: { [REFRESH_COOKIE]: session.refreshCookie } });
    expect(errorOf(asCookieMode)).toMatchObject({ status: 401, error: 'invalid_token' });
    expect((await refresh(session, { 'x-csrf-token': session.csrfToken })).statusCode).toBe(200);
  });

  it('refuses a request carrying the refresh cookie twice (cookie tossing), judged by neither copy', async () => {
    const session = await t.loginMemory();
    const tossed = await t.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken, cookie: `${MEMORY_REFRESH_COOKIE}=${session.refreshCookie}; ${MEMORY_REFRESH_COOKIE}=forged` },
    });
    expect(errorOf(tossed)).toMatchObject({ status: 401, error: 'invalid_token' });
    expect((await refresh(session, { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken })).statusCode).toBe(200);
  });
});

describe('logout and logout everywhere in memory mode', () => {
  for (const url of ['/api/auth/logout', '/api/auth/logout-all']) {
    it(`${url} with the Bearer token answers 204, clears both memory cookies and revokes`, async () => {
      const session = await t.loginMemory();
      const response = await t.inject({ method: 'POST', url, headers: bearer(session.accessToken) });
      expect(response.statusCode).toBe(204);
      const cleared = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie]));
      expect(cleared[MEMORY_REFRESH_COOKIE]).toMatchObject({ value: '', path: '/api/auth/refresh' });
      expect(cleared[MEMORY_CSRF_COOKIE]).toMatchObject({ value: '', path: '/' });
      for (const cookie of [cleared[MEMORY_REFRESH_COOKIE]!, cleared[MEMORY_CSRF_COOKIE]!]) expect(cookie.expires!.getTime()).toBeLessThan(Date.now());
      expect(cleared[ACCESS_COOKIE]).toBeUndefined();
      const after = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(session.accessToken) });
      expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
      expect(errorOf(await refresh(session, { 'x-csrf-token': session.csrfToken }))).toMatchObject({ status: 401, error: 'invalid_token' });
    });

    it(`${url} needs no CSRF token: the access token came as a header, which no other site can add`, async () => {
      const session = await t.loginMemory();
      const response = await t.inject({ method: 'POST', url, headers: { ...bearer(session.accessToken), ...FOREIGN_ORIGIN } });
      expect(response.statusCode).toBe(204);
    });
  }

  it("logout-all ends the user's sessions of every strategy", async () => {
    const memory = await t.loginMemory();
    const header = (await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: memory.username, password: memory.password, mode: 'header' } })).json<{ accessToken: string }>();
    expect((await t.inject({ method: 'POST', url: '/api/auth/logout-all', headers: bearer(memory.accessToken) })).statusCode).toBe(204);
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(header.accessToken) }))).toMatchObject({ error: 'token_revoked' });
  });
});
