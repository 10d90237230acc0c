import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, errorOf, startTestApp, type TestApp } from './support/test-app.js';

// Every route in header mode: the token travels in the JSON body and the Authorization header.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('register', () => {
  it('creates a user and answers 201 with its public fields only', async () => {
    const username = t.uniqueUsername('reg');
    const response = await t.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: 'a fine password' } });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({ user: { id: expect.any(String), username } });
    expect(response.body).not.toContain('password');
  });

  it('refuses a taken username, case-insensitively, with 409 username_taken', async () => {
    const username = t.uniqueUsername('Taken');
    await t.register(username);
    const response = await t.inject({ method: 'POST', url: '/api/auth/register', payload: { username: username.toLowerCase(), password: 'another password' } });
    expect(errorOf(response)).toMatchObject({ status: 409, error: 'username_taken' });
  });

  it.each([
    ['a too short username', { username: 'ab', password: 'long enough' }],
    ['a too long username', { username: 'a'.repeat(65), password: 'long enough' }],
    ['a too short password', { username: 'shortpass', password: '1234567' }],
    ['a too long password', { username: 'longpass', password: 'x'.repeat(257) }],
    ['a missing password', { username: 'nopassword' }],
  ])('refuses %s with 400 invalid_request', async (_case, payload) => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/register', payload });
    expect(errorOf(response)).toMatchObject({ status: 400, error: 'invalid_request' });
  });
});

describe('login in header mode', () => {
  it('answers the tokens in the body, and no credential cookie (only the device cookie, for the login route)', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'secret password');
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'secret password', mode: 'header' } });
    expect(response.statusCode).toBe(200);
    expect(response.cookies.map((cookie) => [cookie.name.replace(/^(jwtlab_device_).+$/, '$1*'), cookie.path])).toEqual([['jwtlab_device_*', '/api/auth/login']]);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({
      mode: 'header',
      user: { id: expect.any(String), username },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
  });

  it('issues an RFC 9068 access token with exactly the contract claims', async () => {
    const { accessToken, user } = await t.loginHeader();
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(accessToken);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    expect(claims).toMatchObject({ iss: 'jwt-lab', aud: 'jwt-lab-api', sub: user.id });
    expect(Number.isInteger(claims.iat) && Number.isInteger(claims.exp)).toBe(true);
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('gives every token its own jti', async () => {
    const a = await t.loginHeader();
    const b = await t.loginHeader();
    expect(decodeJwt(a.accessToken).jti).not.toBe(decodeJwt(b.accessToken).jti);
    expect(decodeJwt(a.accessToken).sid).not.toBe(decodeJwt(b.accessToken).sid);
  });

  it('answers unknown user and wrong password alike: 401 invalid_credentials, same body', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'the right one');
    const wrongPassword = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'the wrong one', mode: 'header' } });
    const unknownUser = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `${username}_nobody`, password: 'the wrong one', mode: 'header' } });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.statusCode).toBe(401);
    expect(wrongPassword.json()).toEqual(unknownUser.json());
    expect(wrongPassword.json()).toMatchObject({ error: 'invalid_credentials' });
    expect(wrongPassword.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses an unknown mode with 400 invalid_request', async () => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'whoever', password: 'whatever1', mode: 'query' } });
    expect(errorOf(response)).toMatchObject({ status: 400, error: 'invalid_request' });
  });
});

describe('private data and session', () => {
  it('answers /api/private with the user, the claims and via "header"', async () => {
    const { accessToken, user } = await t.loginHeader();
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: expect.stringContaining(user.username), user, claims: decodeJwt(accessToken), via: 'header' });
  });

  it('answers /api/auth/session with the mode and the expiry, and no CSRF token in header mode', async () => {
    const { accessToken, user } = await t.loginHeader();
    const response = await t.inject({ method: 'GET', url: '/api/auth/session', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user, mode: 'header', expiresAt: new Date(decodeJwt(accessToken).exp! * 1000).toISOString() });
  });

  it.each(['/api/private', '/api/auth/session'])('answers %s without a token with 401 missing_token and a bare Bearer challenge', async (url) => {
    const response = await t.inject({ method: 'GET', url });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('never accepts a token in the query string', async () => {
    const { accessToken } = await t.loginHeader();
    for (const name of ['access_token', 'token', 'jwt']) {
      const response = await t.inject({ method: 'GET', url: `/api/private?${name}=${accessToken}` });
      expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
    }
  });

  it('answers an expired token with 401 token_expired', async () => {
    const { accessToken } = await t.loginHeader();
    t.advance(901);
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'token_expired' });
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('a token verified before (and so cached) is still refused once expired, and once revoked', async () => {
    const expiring = await t.loginHeader();
    const revoked = await t.loginHeader();
    for (const { accessToken } of [expiring, revoked]) {
      expect((await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) })).statusCode).toBe(200);
    }
    const before = (await t.inject({ method: 'GET', url: '/api/metrics' })).json().verifiedTokenCache;
    expect((await t.inject({ method: 'GET', url: '/api/private', headers: bearer(expiring.accessToken) })).statusCode).toBe(200);
    const after = (await t.inject({ method: 'GET', url: '/api/metrics' })).json().verifiedTokenCache;
    expect(after.hits).toBe(before.hits + 1); // served from the cache

    await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(revoked.accessToken) });
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(revoked.accessToken) }))).toMatchObject({ error: 'token_revoked' });
    t.advance(900);
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(expiring.accessToken) }))).toMatchObject({ error: 'token_expired' });
  });

  it('accepts a token up to its last second', async () => {
    const { accessToken } = await t.loginHeader();
    t.advance(899);
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) });
    expect(response.statusCode).toBe(200);
  });
});

describe('refresh in header mode', () => {
  it('rotates: new access and refresh tokens, same session', async () => {
    const { refreshToken, accessToken } = await t.loginHeader();
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ mode: 'header', tokenType: 'Bearer', expiresIn: 900 });
    expect(body.refreshToken).not.toBe(refreshToken);
    expect(decodeJwt(body.accessToken).sid).toBe(decodeJwt(accessToken).sid);
    const fresh = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(body.accessToken) });
    expect(fresh.statusCode).toBe(200);
  });

  it('refreshes after the access token expired, while the refresh token lives', async () => {
    const { refreshToken } = await t.loginHeader();
    t.advance(3600);
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(response.statusCode).toBe(200);
  });

  it('answers a used refresh token with refresh_token_reused and ends the whole session', async () => {
    const { refreshToken } = await t.loginHeader();
    const first = (await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } })).json();

    const replay = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(errorOf(replay)).toMatchObject({ status: 401, error: 'refresh_token_reused' });
    expect(replay.headers['www-authenticate']).toBe('Bearer error="invalid_token"');

    // The thief and the user are now both out: the newest access token and refresh token are dead too.
    const newestAccess = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(first.accessToken) });
    expect(errorOf(newestAccess)).toMatchObject({ status: 401, error: 'token_revoked' });
    const newestRefresh = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(errorOf(newestRefresh)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('refuses an expired refresh token with invalid_token', async () => {
    const { refreshToken } = await t.loginHeader();
    t.advance(604_801);
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('refuses a refresh of a logged-out session', async () => {
    const { refreshToken, accessToken } = await t.loginHeader();
    await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(accessToken) });
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('answers a refresh without any refresh token with 401 missing_token', async () => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: {} });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
  });
});

describe('logout and logout everywhere in header mode', () => {
  it('logout answers 204 and the same token is refused from the next request on', async () => {
    const { accessToken } = await t.loginHeader();
    const logout = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(accessToken) });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    const after = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(accessToken) });
    expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
    expect(after.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('logout ends only its own session', async () => {
    const first = await t.loginHeader();
    const other = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: first.username, password: first.password, mode: 'header' } });
    await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(first.accessToken) });
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(other.json().accessToken) });
    expect(response.statusCode).toBe(200);
  });

  it('logout-all ends every session of the user, and no one else\'s', async () => {
    const first = await t.loginHeader();
    const second = (await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: first.username, password: first.password, mode: 'header' } })).json();
    const bystander = await t.loginHeader();

    const response = await t.inject({ method: 'POST', url: '/api/auth/logout-all', headers: bearer(first.accessToken) });
    expect(response.statusCode).toBe(204);
    for (const token of [first.accessToken, second.accessToken]) {
      const after = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(token) });
      expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
    }
    const refresh = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: second.refreshToken } });
    expect(errorOf(refresh)).toMatchObject({ status: 401, error: 'invalid_token' });
    const untouched = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(bystander.accessToken) });
    expect(untouched.statusCode).toBe(200);
  });

  it.each(['/api/auth/logout', '/api/auth/logout-all'])('%s without a token answers 401 missing_token', async (url) => {
    const response = await t.inject({ method: 'POST', url });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'missing_token' });
  });

  it('a header-mode logout needs no CSRF token (no cookie, nothing to forge)', async () => {
    const { accessToken } = await t.loginHeader();
    const response = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...bearer(accessToken), origin: 'https://evil.example' } });
    expect(response.statusCode).toBe(204);
  });
});

describe('health and JWKS', () => {
  it('health answers ok with the store', async () => {
    const response = await t.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', store: 'sqlite' });
  });

  it('JWKS is an empty set under HS256: the symmetric key is never published', async () => {
    const response = await t.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ keys: [] });
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
  });
});
