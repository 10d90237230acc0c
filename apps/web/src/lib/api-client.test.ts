import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test/fake-api';
import { createApiClient, type Exchange } from './api-client';
import { createCookieStrategy } from '../features/auth/strategies/cookie-strategy';
import { createWebStorageStrategy } from '../features/auth/strategies/web-storage-strategy';
import { MemoryStorage } from '../test/tabs';

const createHeaderStrategy = () => createWebStorageStrategy('localStorage', new MemoryStorage());

const answering = (status: number, body: unknown) => async () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('api client', () => {
  it('rejects a login answer that does not match the shared schema, saying where it is wrong', async () => {
    const api = createApiClient({ fetch: answering(200, { mode: 'header', user: { id: 7, username: 'alice' }, tokenType: 'Bearer' }) });

    const result = await api.login(createHeaderStrategy(), { username: 'alice', password: 'password1' });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('malformed_response');
    expect(result.error.status).toBe(200);
    expect(result.error.message).toBe(
      'POST /api/auth/login sent an answer the page does not understand (the body: must have required properties expiresIn, accessToken, refreshToken).',
    );
  });

  it('rejects a cookie-mode answer to a header-mode login: tokens must travel the way that was asked', async () => {
    const api = createApiClient({
      fetch: answering(200, { mode: 'cookie', user: { id: 'u1', username: 'alice' }, expiresIn: 60, csrfToken: 'c' }),
    });
    const result = await api.login(createHeaderStrategy(), { username: 'alice', password: 'password1' });
    expect(result.ok ? null : result.error.code).toBe('malformed_response');
  });

  it('rejects an error body outside the shared envelope, and a body that is not JSON', async () => {
    const strange = await createApiClient({ fetch: answering(401, { oops: true }) }).privateData(createHeaderStrategy());
    expect(strange.ok ? null : strange.error.code).toBe('malformed_response');
    expect(strange.ok ? null : strange.error.message).toContain('unexpected error body');

    const html = await createApiClient({ fetch: async () => new Response('<h1>Bad gateway</h1>', { status: 502 }) }).privateData(createHeaderStrategy());
    expect(html.ok ? null : html.error.message).toBe('GET /api/private answered 502 with a body that is not JSON.');
  });

  it('returns the server error code and message as a typed error, without throwing', async () => {
    const api = createApiClient({ fetch: answering(401, { error: 'token_revoked', message: 'The session of this token has ended.' }) });
    const result = await api.privateData(createHeaderStrategy());
    expect(result).toMatchObject({ ok: false, error: { name: 'ApiError', code: 'token_revoked', status: 401, message: 'The session of this token has ended.' } });
  });

  it('turns a failed connection into network_error', async () => {
    const api = createApiClient({ fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    const result = await api.session(createCookieStrategy(new MemoryStorage()));
    expect(result.ok ? null : [result.error.code, result.error.status]).toEqual(['network_error', null]);
  });

  it('reports each exchange with how its credential travelled', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1');
    const exchanges: Exchange[] = [];
    const api = createApiClient({ fetch: server.fetch, onExchange: (exchange) => exchanges.push(exchange), now: () => 1234 });
    const header = createHeaderStrategy();
    const cookie = createCookieStrategy(new MemoryStorage());

    const headerLogin = await api.login(header, { username: 'alice', password: 'password1' });
    if (headerLogin.ok) header.keep(headerLogin.value, Date.now());
    await api.privateData(header);
    await api.refresh(header);
    await header.clear();
    const cookieLogin = await api.login(cookie, { username: 'alice', password: 'password1' });
    if (cookieLogin.ok) cookie.keep(cookieLogin.value, Date.now());
    await api.privateData(cookie);
    await api.logout(cookie);

    expect(exchanges.map(({ method, path, status, carrier, csrfSent }) => [`${method} ${path}`, status, carrier, csrfSent])).toEqual([
      ['POST /api/auth/login', 200, 'none', false],
      ['GET /api/private', 200, 'authorization-header', false],
      ['POST /api/auth/refresh', 200, 'body', false],
      ['POST /api/auth/login', 200, 'none', false],
      ['GET /api/private', 200, 'cookie', false],
      ['POST /api/auth/logout', 204, 'cookie', true],
    ]);
    expect(exchanges[0]?.at).toBe(1234);
  });
});

describe('api client and a DPoP nonce challenge', () => {
  it('shows the strategy each answer and sends the request once more when it asks (RFC 9449 section 8), no more', async () => {
    const sent: Array<{ nonce: string | null }> = [];
    const answers = [
      new Response(JSON.stringify({ error: 'use_dpop_nonce', message: 'Use the nonce.' }), {
        status: 401,
        headers: { 'dpop-nonce': 'n-1', 'www-authenticate': 'DPoP error="use_dpop_nonce"' },
      }),
      new Response(JSON.stringify({ error: 'use_dpop_nonce', message: 'Use the nonce.' }), {
        status: 401,
        headers: { 'dpop-nonce': 'n-2', 'www-authenticate': 'DPoP error="use_dpop_nonce"' },
      }),
    ];
    let nonce: string | null = null;
    const attacher = {
      attach: () => {
        sent.push({ nonce });
        return { headers: {}, credentials: 'omit' as const, carrier: 'dpop' as const, csrfSent: false };
      },
      observe(response: Response) {
        const offered = response.headers.get('dpop-nonce');
        if (offered === null || offered === nonce) return false;
        nonce = offered;
        return true;
      },
    };
    const exchanges: Exchange[] = [];
    const api = createApiClient({ fetch: async () => answers.shift()!, onExchange: (exchange) => void exchanges.push(exchange) });

    const result = await api.privateData(attacher);

    expect(sent).toEqual([{ nonce: null }, { nonce: 'n-1' }]);
    expect(exchanges.map((exchange) => exchange.status)).toEqual([401, 401]);
    expect(result.ok ? null : result.error.code).toBe('use_dpop_nonce');
  });
});
