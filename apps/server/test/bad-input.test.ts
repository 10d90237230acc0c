import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestApp, type TestApp } from './support/test-app.js';

// Whatever a client sends, the answer is a 4xx with the error envelope, never a 5xx, and the
// service keeps serving.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const post = (url: string, payload: string, contentType = 'application/json') =>
  t.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

describe('bodies', () => {
  it.each(['{bad json', '{"username": "a",}', '[]', '"just a string"', 'null', '42', ''])('answers the JSON body %j with 400 invalid_request', async (payload) => {
    const response = await post('/api/auth/login', payload);
    expect(errorOf(response)).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=z', 'application/xml'])('answers content type %s with 415', async (contentType) => {
    const response = await post('/api/auth/register', 'username=alice&password=whatever', contentType);
    expect(errorOf(response)).toMatchObject({ status: 415, error: 'unsupported_media_type' });
  });

  it('answers an oversize body with 413 payload_too_large', async () => {
    const response = await post('/api/auth/register', JSON.stringify({ username: 'big', password: 'x'.repeat(64 * 1024) }));
    expect(errorOf(response)).toMatchObject({ status: 413, error: 'payload_too_large' });
  });

  it.each([
    ['missing fields', {}],
    ['a missing username', { password: 'long enough' }],
    ['a numeric username (no coercion)', { username: 12345678, password: 'long enough' }],
    ['an array password', { username: 'alice', password: ['long enough'] }],
    ['an unknown field', { username: 'alice', password: 'long enough', admin: true }],
    ['a null username', { username: null, password: 'long enough' }],
  ])('answers %s with 400 invalid_request and a message', async (_case, body) => {
    const response = await post('/api/auth/register', JSON.stringify(body));
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(error.message.length).toBeGreaterThan(10);
  });
});

describe('usernames', () => {
  it.each([
    ['accented letters', 'ålice'],
    ['an emoji', 'bob😀'],
    ['a right-to-left override', 'eve\u202Etxt'],
    ['a NUL byte', 'mal\u0000lory'],
    ['a zero-width space', 'ali\u200Bce'],
    ['a space', 'ali ce'],
    ['SQL: quote or', "' OR '1'='1"],
    ['SQL: drop table', "x'; DROP TABLE users; --"],
    ['a path', '../../etc/passwd'],
    ['HTML', '<script>alert(1)</script>'],
  ])('refuses %s with 400 on register and login alike', async (_case, username) => {
    const register = await post('/api/auth/register', JSON.stringify({ username, password: 'long enough' }));
    expect(errorOf(register)).toMatchObject({ status: 400, error: 'invalid_request' });
    const login = await post('/api/auth/login', JSON.stringify({ username, password: 'long enough', mode: 'header' }));
    expect(errorOf(login)).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it('stores SQL-looking but valid usernames as plain data', async () => {
    const username = 'robert.drop-table_users';
    await t.register(username, 'little bobby');
    const login = await post('/api/auth/login', JSON.stringify({ username, password: 'little bobby', mode: 'header' }));
    expect(login.statusCode).toBe(200);
  });

  it('accepts odd Unicode in passwords (they are bytes to the hash)', async () => {
    const username = t.uniqueUsername();
    const password = 'pässwörd 😀 \u202E';
    await t.register(username, password);
    const login = await post('/api/auth/login', JSON.stringify({ username, password, mode: 'header' }));
    expect(login.statusCode).toBe(200);
  });
});

describe('routes and methods', () => {
  it.each([
    ['GET', '/api/nope'],
    ['GET', '/api/auth/login'],
    ['DELETE', '/api/private'],
    ['GET', '/totally/unknown'],
  ] as const)('answers %s %s with 404 not_found in the envelope', async (method, url) => {
    const response = await t.inject({ method, url });
    expect(errorOf(response)).toMatchObject({ status: 404, error: 'not_found' });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('keeps serving after all of it', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });
});

describe('requests the HTTP parser or the router refuses', () => {
  /** Sends raw bytes to the real listening server, as a broken client would. */
  async function rawRequest(bytes: string): Promise<{ status: number; body: unknown }> {
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const socket = connect(address.port, '127.0.0.1');
    socket.write(bytes);
    let answer = '';
    for await (const chunk of socket) answer += chunk;
    const [head, body = ''] = answer.split('\r\n\r\n');
    return { status: Number(head!.split(' ')[1]), body: JSON.parse(body) };
  }

  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  it('answers a malformed URL escape with 400 invalid_request in the envelope', async () => {
    const response = await t.inject({ method: 'GET', url: '/api/%ZZ' });
    expect(errorOf(response)).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it.each([
    ['a malformed Content-Length', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}', 400, 'invalid_request'],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'invalid_request'],
    ['20 kB of headers', `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('answers %s with the envelope on the socket', async (_case, bytes, status, error) => {
    const answer = await rawRequest(bytes);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error, message: expect.any(String) });
  });
});

describe('security headers', () => {
  it('API answers: a CSP that allows nothing, no sniffing, no caching, no framing, no referrer', async () => {
    const response = await t.inject({ method: 'GET', url: '/api/health' });
    expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('every other answer (the page) gets the strict document policy: own scripts only, no inline, no eval', async () => {
    const response = await t.inject({ method: 'GET', url: '/' });
    const csp = response.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
