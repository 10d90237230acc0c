import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itRefusesForgedCookieRefreshes } from './support/csrf-refresh-cases.js';
import { ACCESS_COOKIE, bearer, cookieSession, errorOf, FOREIGN_ORIGIN, REFRESH_COOKIE, SAME_ORIGIN, startTestApp, type TestApp } from './support/test-app.js';

// Every route in cookie mode: tokens only in HttpOnly cookies; state changes need X-CSRF-Token.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const withAccess = (session: { accessCookie: string }) => ({ [ACCESS_COOKIE]: session.accessCookie });

describe('login in cookie mode', () => {
  it('puts no token in the body, only the user, the expiry and the CSRF token', async () => {
    const { response, user } = await t.loginCookie();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ mode: 'cookie', user, expiresIn: 900, csrfToken: expect.stringMatching(/^[\w-]{43}$/) });
    expect(response.body).not.toMatch(/eyJ/); // no JWT anywhere in the body
  });

  it('sets HttpOnly, Secure, SameSite=Strict cookies on the narrowest paths', async () => {
    const { response } = await t.loginCookie();
    const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie]));
    expect(cookies[ACCESS_COOKIE]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api' });
    expect(cookies[REFRESH_COOKIE]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth/refresh' });
    expect(cookies[ACCESS_COOKIE]!.domain).toBeUndefined();
    expect(cookies[REFRESH_COOKIE]!.maxAge).toBeGreaterThan(604_000);
    expect(decodeJwt(cookies[ACCESS_COOKIE]!.value).exp).toBeDefined();
  });

  it('drops the Secure flag only when COOKIE_SECURE=false', async () => {
    const plain = await startTestApp({ env: { COOKIE_SECURE: 'false' } });
    try {
      const { response } = await plain.loginCookie();
      for (const cookie of response.cookies) expect(cookie.secure).toBeUndefined();
      expect(response.headers['set-cookie']!.toString()).not.toMatch(/Secure/i);
    } finally {
      await plain.close();
    }
  });

  it('refuses a login from a foreign Origin (login CSRF) with 403 csrf_failed', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'correct horse');
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', headers: FOREIGN_ORIGIN, payload: { username, password: 'correct horse', mode: 'cookie' } });
    expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a register from a foreign Origin, and from the opaque "null" origin', async () => {
    for (const origin of ['https://evil.example', 'null']) {
      const response = await t.inject({ method: 'POST', url: '/api/auth/register', headers: { host: 'localhost:3000', origin }, payload: { username: t.uniqueUsername(), password: 'correct horse' } });
      expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
    }
  });

  it('accepts a login from our own Origin, and from a client that sends no Origin', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'correct horse');
    const sameOrigin = await t.inject({ method: 'POST', url: '/api/auth/login', headers: SAME_ORIGIN, payload: { username, password: 'correct horse', mode: 'cookie' } });
    expect(sameOrigin.statusCode).toBe(200);
    const noOrigin = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'correct horse', mode: 'cookie' } });
    expect(noOrigin.statusCode).toBe(200);
  });
});

describe('reading with the cookie', () => {
  it('answers /api/private with via "cookie"', async () => {
    const session = await t.loginCookie();
    const response = await t.inject({ method: 'GET', url: '/api/private', cookies: withAccess(session) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ via: 'cookie', user: session.user, claims: { sub: session.user.id } });
  });

  it('answers /api/auth/session with the CSRF token, so a reloaded page can recover it', async () => {
    const session = await t.loginCookie();
    const response = await t.inject({ method: 'GET', url: '/api/auth/session', cookies: withAccess(session) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: session.user, mode: 'cookie', expiresAt: expect.any(String), csrfToken: session.csrfToken });
  });

  it('lets the Authorization header win over a cookie', async () => {
    const cookieUser = await t.loginCookie();
    const headerUser = await t.loginHeader();
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(headerUser.accessToken), cookies: withAccess(cookieUser) });
    expect(response.json()).toMatchObject({ via: 'header', user: headerUser.user });
    const badHeader = await t.inject({ method: 'GET', url: '/api/private', headers: bearer('not-a-token'), cookies: withAccess(cookieUser) });
    expect(errorOf(badHeader)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('answers an expired cookie token with token_expired (the cookie outlives its token)', async () => {
    const session = await t.loginCookie();
    t.advance(901);
    const response = await t.inject({ method: 'GET', url: '/api/private', cookies: withAccess(session) });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'token_expired' });
  });

  it('a GET needs no CSRF token', async () => {
    const session = await t.loginCookie();
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: FOREIGN_ORIGIN, cookies: withAccess(session) });
    expect(response.statusCode).toBe(200);
  });
});

describe('refresh in cookie mode', () => {
  const refresh = (session: { refreshCookie: string }, headers: Record<string, string>) =>
    t.inject({ method: 'POST', url: '/api/auth/refresh', headers, cookies: { [REFRESH_COOKIE]: session.refreshCookie } });

  it('rotates both cookies with the CSRF token, body or no body', async () => {
    const session = await t.loginCookie();
    const response = await refresh(session, { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken });
    expect(response.statusCode).toBe(200);
    const next = cookieSession(response);
    expect(response.json()).toMatchObject({ mode: 'cookie', csrfToken: session.csrfToken, expiresIn: 900 });
    expect(next.refreshCookie).not.toBe(session.refreshCookie);
    expect(next.accessCookie).not.toBe(session.accessCookie);
    const withBody = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { 'x-csrf-token': session.csrfToken }, payload: {}, cookies: { [REFRESH_COOKIE]: next.refreshCookie } });
    expect(withBody.statusCode).toBe(200);
  });

  itRefusesForgedCookieRefreshes({
    login: () => t.loginCookie(),
    refresh,
    readPrivateWith: (refreshed) => t.inject({ method: 'GET', url: '/api/private', cookies: { [ACCESS_COOKIE]: cookieSession(refreshed).accessCookie } }),
  });
});

describe('logout and logout everywhere in cookie mode', () => {
  for (const url of ['/api/auth/logout', '/api/auth/logout-all']) {
    it(`${url} with the CSRF token answers 204, clears both cookies and revokes`, async () => {
      const session = await t.loginCookie();
      const response = await t.inject({ method: 'POST', url, headers: { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken }, cookies: withAccess(session) });
      expect(response.statusCode).toBe(204);
      const cleared = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie]));
      expect(cleared[ACCESS_COOKIE]).toMatchObject({ value: '', path: '/api' });
      expect(cleared[REFRESH_COOKIE]).toMatchObject({ value: '', path: '/api/auth/refresh' });
      for (const cookie of [cleared[ACCESS_COOKIE]!, cleared[REFRESH_COOKIE]!]) {
        expect(cookie.expires!.getTime()).toBeLessThan(Date.now());
      }
      const after = await t.inject({ method: 'GET', url: '/api/private', cookies: withAccess(session) });
      expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
    });

    it(`${url} without X-CSRF-Token answers 403 csrf_failed and the session lives on`, async () => {
      const session = await t.loginCookie();
      const response = await t.inject({ method: 'POST', url, headers: SAME_ORIGIN, cookies: withAccess(session) });
      expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
      expect(response.headers['set-cookie']).toBeUndefined();
      const after = await t.inject({ method: 'GET', url: '/api/private', cookies: withAccess(session) });
      expect(after.statusCode).toBe(200);
    });

    it(`${url} from a foreign Origin answers 403 even with the right CSRF token`, async () => {
      const session = await t.loginCookie();
      const response = await t.inject({ method: 'POST', url, headers: { ...FOREIGN_ORIGIN, 'x-csrf-token': session.csrfToken }, cookies: withAccess(session) });
      expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
    });
  }

  it('a cross-site HTML form cannot post at all: form bodies are refused with 415', async () => {
    const session = await t.loginCookie();
    for (const contentType of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const response = await t.inject({ method: 'POST', url: '/api/auth/logout-all', headers: { 'content-type': contentType }, payload: 'a=b', cookies: withAccess(session) });
      expect(errorOf(response)).toMatchObject({ status: 415, error: 'unsupported_media_type' });
    }
    const after = await t.inject({ method: 'GET', url: '/api/private', cookies: withAccess(session) });
    expect(after.statusCode).toBe(200);
  });
});
