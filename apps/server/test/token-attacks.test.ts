import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, errorOf, startTestApp, TEST_SECRET, type TestApp } from './support/test-app.js';

// Each attack a JWT service must survive, tried against the real app. Every forged token is
// built around a genuine, live session, so the only thing wrong with it is the attack itself.

let t: TestApp;
let genuine: { accessToken: string; refreshToken: string; claims: JWTPayload; kid: string };

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const ourKey = new TextEncoder().encode(TEST_SECRET);

/** Signs with OUR secret: a token only a key holder could make, with whatever header and claims. */
async function signWithOurKey(claims: JWTPayload, header: Record<string, unknown> = {}, key: Uint8Array = ourKey) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: genuine.kid, ...header }).sign(key);
}

async function expectRefused(token: string, code = 'invalid_token') {
  const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(token) });
  expect(errorOf(response)).toMatchObject({ status: 401, error: code });
  expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
}

beforeAll(async () => {
  t = await startTestApp();
  const login = await t.loginHeader();
  genuine = { ...login, claims: decodeJwt(login.accessToken), kid: decodeProtectedHeader(login.accessToken).kid! };
});
afterAll(() => t.close());

describe('forged and tampered tokens', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg "%s" (unsigned token)', async (alg) => {
    const [, payload] = genuine.accessToken.split('.');
    await expectRefused(`${b64({ alg, typ: 'at+jwt', kid: genuine.kid })}.${payload}.`);
  });

  it('refuses the genuine token with its signature stripped', async () => {
    const [header, payload] = genuine.accessToken.split('.');
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
  });

  it('refuses a token with one signature character flipped, and the original still works', async () => {
    const [header, payload, signature] = genuine.accessToken.split('.') as [string, string, string];
    const middle = Math.floor(signature.length / 2);
    const flipped = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1);
    await expectRefused(`${header}.${payload}.${flipped}`);
    const original = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(genuine.accessToken) });
    expect(original.statusCode).toBe(200);
  });

  it('refuses a tampered payload (another user, a later expiry) under the original signature', async () => {
    const [header, , signature] = genuine.accessToken.split('.');
    const other = await t.loginHeader();
    await expectRefused(`${header}.${b64({ ...genuine.claims, sub: other.user.id })}.${signature}`);
    await expectRefused(`${header}.${b64({ ...genuine.claims, exp: genuine.claims.exp! + 86_400 })}.${signature}`);
  });

  it('refuses a token signed with another key', async () => {
    await expectRefused(await signWithOurKey(genuine.claims, {}, randomBytes(32)));
  });

  it('refuses HS512 made with our very secret (the algorithm is pinned)', async () => {
    const token = await new SignJWT(genuine.claims).setProtectedHeader({ alg: 'HS512', typ: 'at+jwt', kid: genuine.kid }).sign(ourKey);
    await expectRefused(token);
  });

  it('refuses an RS/ES-signed token that carries its own key in a jwk header', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(genuine.claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(publicKey) }).sign(privateKey);
    await expectRefused(token);
  });

  it.each([
    ['jku', { jku: 'https://evil.example/jwks.json' }],
    ['x5u', { x5u: 'https://evil.example/cert.pem' }],
    ['jwk', { jwk: { kty: 'oct', k: b64(TEST_SECRET) } }],
    ['x5c', { x5c: ['MIIB'] }],
  ])('refuses a token with a %s header, even when the signature is ours', async (_name, header) => {
    await expectRefused(await signWithOurKey(genuine.claims, header));
  });

  it.each([['unknown'], ['../../../../dev/null'], ["' OR '1'='1"], ['']])('refuses kid %j that is not ours', async (kid) => {
    await expectRefused(await signWithOurKey(genuine.claims, { kid }));
  });

  it('refuses a token with no kid', async () => {
    const token = await new SignJWT(genuine.claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(ourKey);
    await expectRefused(token);
  });

  it.each(['JWT', 'rt+jwt', 'application/jwt'])('refuses typ %s where an access token (at+jwt) is due', async (typ) => {
    await expectRefused(await signWithOurKey(genuine.claims, { typ }));
  });
});

describe('well-signed tokens with the wrong claims', () => {
  const claimsWithout = (name: string) => Object.fromEntries(Object.entries(genuine.claims).filter(([key]) => key !== name));

  it('the control: our key and the genuine claims pass', async () => {
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: bearer(await signWithOurKey(genuine.claims)) });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['a wrong issuer', { iss: 'someone-else' }],
    ['a wrong audience', { aud: 'another-api' }],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 600 }],
    ['a numeric sub', { sub: 42 }],
    ['an iat that is not a number', { iat: 'yesterday' }],
  ])('refuses %s', async (_case, change) => {
    await expectRefused(await signWithOurKey({ ...genuine.claims, ...change } as JWTPayload));
  });

  it.each(['exp', 'iat', 'sub', 'sid', 'jti', 'iss', 'aud'])('refuses a token missing %s', async (claim) => {
    await expectRefused(await signWithOurKey(claimsWithout(claim)));
  });

  it('refuses a validly signed token for a session that never existed', async () => {
    await expectRefused(await signWithOurKey({ ...genuine.claims, sid: 'no-such-session' }));
  });

  it('refuses a validly signed token whose sub is not the session\'s user', async () => {
    const other = await t.loginHeader();
    await expectRefused(await signWithOurKey({ ...genuine.claims, sub: other.user.id }));
  });

  it('a forged token that is also expired is "invalid", never "expired" (the signature is checked first)', async () => {
    const forged = await signWithOurKey({ ...genuine.claims, exp: 1000, iat: 100 }, {}, randomBytes(32));
    await expectRefused(forged, 'invalid_token');
  });
});

describe('token confusion', () => {
  it('refuses a refresh token presented as an access token', async () => {
    await expectRefused(genuine.refreshToken);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: genuine.accessToken } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  });
});

describe('malformed credentials never crash the server', () => {
  it.each([
    ['garbage', 'Bearer abc'],
    ['three dots', 'Bearer a.b.c'],
    ['empty segments', 'Bearer ....'],
    ['non-JSON header', `Bearer ${b64('not json')}.${b64('{}')}.sig`],
    ['JSON array header', `Bearer ${b64([1, 2])}.${b64({})}.sig`],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['Bearer with nothing', 'Bearer'],
    ['Bearer with spaces inside', 'Bearer a b c'],
    ['10 KB of token', `Bearer ${'a'.repeat(10 * 1024)}`],
    ['an empty header', ''],
  ])('answers %s with 401 invalid_token', async (_case, authorization) => {
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: { authorization } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('answers a malformed refresh token with 401 invalid_token', async () => {
    for (const refreshToken of ['x', 'a.b.c', `${'a'.repeat(5000)}`]) {
      const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
      expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
    }
  });

  it('still serves after all of the above', async () => {
    const health = await t.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe("the tutorial's own defects, as regressions", () => {
  it('a second logout with the same token answers 401 token_revoked, and the server stays up', async () => {
    const { accessToken } = await t.loginHeader();
    expect((await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(accessToken) })).statusCode).toBe(204);
    for (let i = 0; i < 3; i++) {
      const again = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(accessToken) });
      expect(errorOf(again)).toMatchObject({ status: 401, error: 'token_revoked' });
    }
    expect((await t.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('concurrent logouts with one token: one 204, the rest 401, no 5xx', async () => {
    const { accessToken } = await t.loginHeader();
    const responses = await Promise.all(Array.from({ length: 5 }, () => t.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(accessToken) })));
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.every((status) => status === 204 || status === 401)).toBe(true);
    expect(statuses).toContain(204);
  });

  it('the tutorial\'s default secret forges nothing here', async () => {
    for (const secret of ['secret', 'changeme', 'your-256-bit-secret']) {
      const token = await new SignJWT(genuine.claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: genuine.kid }).sign(new TextEncoder().encode(secret));
      await expectRefused(token);
    }
  });
});
