import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey } from './support/dpop-key.js';
import { bearer, MEMORY_REFRESH_COOKIE, startTestApp, TEST_SECRET, type TestApp } from './support/test-app.js';

// Tokens, passwords and cookies never reach a log line, at the most verbose level, even when a
// client puts a token where it does not belong (the query string) or a request fails.

let t: TestApp;
let logs = '';
beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  t = await startTestApp({ logStream: stream });
});
afterAll(() => t.close());

describe('logs', () => {
  it('hold no token, password, cookie or CSRF token through a whole session in both modes', async () => {
    const password = 'log-canary-password';
    const header = await t.loginHeader(undefined, password);
    const cookie = await t.loginCookie(undefined, password);
    const refreshed = (await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: header.refreshToken } })).json();
    await t.inject({ method: 'GET', url: `/api/private?access_token=${header.accessToken}`, headers: bearer(refreshed.accessToken) });
    await t.inject({ method: 'GET', url: '/api/private', cookies: { jwtlab_access: cookie.accessCookie } });
    await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: header.refreshToken } }); // reuse: an error path
    await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: header.username, password: 'wrong-canary-password', mode: 'header' } });
    await t.inject({ method: 'POST', url: '/api/auth/logout', headers: { 'x-csrf-token': cookie.csrfToken }, cookies: { jwtlab_access: cookie.accessCookie } });

    expect(logs).toContain('request completed'); // the logger really was listening
    const secrets = [header.accessToken, header.refreshToken, refreshed.accessToken, refreshed.refreshToken, cookie.accessCookie, cookie.refreshCookie, cookie.csrfToken, password, 'wrong-canary-password', TEST_SECRET];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    // Not even a recognisable piece of a token (its signature).
    expect(logs).not.toContain(header.accessToken.split('.')[2]);
  });

  it('hold no token, CSRF token or DPoP proof of the memory and DPoP modes, on good and refused requests', async () => {
    const memory = await t.loginMemory();
    const refreshed = (await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { 'x-csrf-token': memory.csrfToken }, cookies: { [MEMORY_REFRESH_COOKIE]: memory.refreshCookie } })).json();
    await t.inject({ method: 'POST', url: '/api/auth/refresh', cookies: { [MEMORY_REFRESH_COOKIE]: memory.refreshCookie } }); // refused: no CSRF token
    const key = await createDpopKey();
    const dpop = await t.loginDpop(key);
    const headers = await t.dpopHeaders(key, 'GET', '/api/private', dpop.accessToken);
    await t.inject({ method: 'GET', url: '/api/private', headers });
    await t.inject({ method: 'GET', url: '/api/private', headers }); // refused: the proof's jti again
    await t.inject({ method: 'GET', url: '/api/private', headers: bearer(dpop.accessToken) }); // refused: bound token as Bearer

    const secrets = [memory.accessToken, memory.refreshCookie, memory.csrfToken, refreshed.accessToken, dpop.accessToken, dpop.refreshToken, headers.dpop];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain(headers.dpop.split('.')[2]);
  });
});
