import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, exportJWK, SignJWT } from 'jose';
import { LoginResponse } from '@jwt-lab/shared';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey, TEST_ORIGIN, type DpopKey } from './support/dpop-key.js';
import { bearer, errorOf, startTestApp, type TestApp } from './support/test-app.js';

// DPoP mode (RFC 9449) through every route, and every way a proof can be wrong: each refusal is
// 401 invalid_token with a DPoP challenge that says whether the proof or the token was at fault.

const PROOF_REFUSED = 'DPoP error="invalid_dpop_proof", algs="ES256 ES384 EdDSA"';
const TOKEN_REFUSED = 'DPoP error="invalid_token", algs="ES256 ES384 EdDSA"';

let t: TestApp;
let key: DpopKey;
let otherKey: DpopKey;
beforeAll(async () => {
  // lb.internal: a name the app answers for (a balancer's) that is not one of its origins.
  t = await startTestApp({ env: { ALLOWED_HOSTS: 'lb.internal' } });
  [key, otherKey] = await Promise.all([createDpopKey(), createDpopKey()]);
});
afterAll(() => t.close());

const privateWith = (headers: Record<string, string>, url = '/api/private') => t.inject({ method: 'GET', url, headers });

function expectProofRefused(response: Awaited<ReturnType<TestApp['inject']>>, message?: RegExp) {
  expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  expect(response.headers['www-authenticate']).toBe(PROOF_REFUSED);
  if (message) expect(response.json().message).toMatch(message);
}

describe('a valid DPoP flow', () => {
  it('login with a proof binds both tokens to its key (cnf.jkt) and answers tokenType DPoP', async () => {
    const { response, user, accessToken, refreshToken } = await t.loginDpop(key);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ mode: 'dpop', user, accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'DPoP', expiresIn: 900 });
    expect(Value.Check(LoginResponse, body)).toBe(true);
    expect(decodeJwt(accessToken).cnf).toEqual({ jkt: key.jkt });
    expect(decodeJwt(refreshToken).cnf).toEqual({ jkt: key.jkt });
    // No credential cookie: only the device cookie every login sets (for the login limits).
    expect(response.cookies.map((cookie) => cookie.name)).toEqual([expect.stringMatching(/^jwtlab_device_/)]);
  });

  it('answers /api/private and /api/auth/session with a fresh proof per request, via "dpop"', async () => {
    const { accessToken, user } = await t.loginDpop(key);
    for (let i = 0; i < 2; i++) {
      const response = await privateWith(await t.dpopHeaders(key, 'GET', '/api/private', accessToken));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ via: 'dpop', user, claims: { cnf: { jkt: key.jkt } } });
    }
    const session = await t.inject({ method: 'GET', url: '/api/auth/session', headers: await t.dpopHeaders(key, 'GET', '/api/auth/session', accessToken) });
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual({ user, mode: 'dpop', expiresAt: expect.any(String) });
  });

  it('compares htu without the query string', async () => {
    const { accessToken } = await t.loginDpop(key);
    const response = await privateWith(await t.dpopHeaders(key, 'GET', '/api/private', accessToken), '/api/private?page=2');
    expect(response.statusCode).toBe(200);
  });

  it('refresh with a proof from the same key rotates, keeping the binding', async () => {
    const { refreshToken, accessToken } = await t.loginDpop(key);
    const proof = await key.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() });
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { dpop: proof }, payload: { refreshToken } });
    expect(response.statusCode).toBe(200);
    const next = response.json();
    expect(next).toMatchObject({ mode: 'dpop', tokenType: 'DPoP' });
    expect(decodeJwt(next.accessToken)).toMatchObject({ cnf: { jkt: key.jkt }, sid: decodeJwt(accessToken).sid });
    expect(decodeJwt(next.refreshToken).cnf).toEqual({ jkt: key.jkt });
    expect((await privateWith(await t.dpopHeaders(key, 'GET', '/api/private', next.accessToken))).statusCode).toBe(200);
  });

  it('logout with a proof answers 204, and the token is refused from then on with a DPoP challenge', async () => {
    const { accessToken } = await t.loginDpop(key);
    const logout = await t.inject({ method: 'POST', url: '/api/auth/logout', headers: await t.dpopHeaders(key, 'POST', '/api/auth/logout', accessToken) });
    expect(logout.statusCode).toBe(204);
    const after = await privateWith(await t.dpopHeaders(key, 'GET', '/api/private', accessToken));
    expect(errorOf(after)).toMatchObject({ status: 401, error: 'token_revoked' });
    expect(after.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });

  it('logout-all with a proof ends every session of the user', async () => {
    const first = await t.loginDpop(key);
    const second = (await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { dpop: await otherKey.proof({ method: 'POST', url: '/api/auth/login', now: t.now() }) },
      payload: { username: first.username, password: first.password, mode: 'dpop' },
    })).json<{ accessToken: string }>();
    const response = await t.inject({ method: 'POST', url: '/api/auth/logout-all', headers: await t.dpopHeaders(key, 'POST', '/api/auth/logout-all', first.accessToken) });
    expect(response.statusCode).toBe(204);
    expect(errorOf(await privateWith(await t.dpopHeaders(otherKey, 'GET', '/api/private', second.accessToken)))).toMatchObject({ error: 'token_revoked' });
  });

  it('takes an EdDSA key as well', async () => {
    const edKey = await createDpopKey('EdDSA');
    const { accessToken } = await t.loginDpop(edKey);
    expect((await privateWith(await t.dpopHeaders(edKey, 'GET', '/api/private', accessToken))).statusCode).toBe(200);
  });

  it('an expired bound token answers token_expired with a DPoP challenge', async () => {
    const { accessToken } = await t.loginDpop(key);
    t.advance(901);
    const response = await privateWith(await t.dpopHeaders(key, 'GET', '/api/private', accessToken));
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'token_expired' });
    expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });
});

describe('a bound token without a valid proof from its own key', () => {
  let accessToken: string;
  beforeAll(async () => {
    ({ accessToken } = await t.loginDpop(key));
  });
  const proofFor = (options: { method?: string; url?: string; accessToken?: string; claims?: Record<string, unknown>; header?: Record<string, unknown>; signer?: DpopKey; now?: number }) =>
    (options.signer ?? key).proof({ method: options.method ?? 'GET', url: options.url ?? '/api/private', accessToken: 'accessToken' in options ? options.accessToken : accessToken, now: options.now ?? t.now(), claims: options.claims ?? {}, header: options.header ?? {} });
  const withProof = async (proof: string) => privateWith({ authorization: `DPoP ${accessToken}`, dpop: proof });

  it('sent as Bearer: refused, the challenge says it is a DPoP token', async () => {
    const response = await privateWith(bearer(accessToken));
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token', message: expect.stringMatching(/bound to a key/) });
    expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });

  it('sent as Bearer with a valid proof beside it: still refused (the scheme says DPoP)', async () => {
    const response = await privateWith({ ...bearer(accessToken), dpop: await proofFor({}) });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });

  it('with no proof', async () => {
    expectProofRefused(await privateWith({ authorization: `DPoP ${accessToken}` }), /Send a DPoP proof/);
  });

  it('with a proof from another key', async () => {
    expectProofRefused(await withProof(await proofFor({ signer: otherKey })), /another key/);
  });

  it.each([
    ['a wrong htm', { method: 'POST' }, /not for this GET request/],
    ['a wrong htu path', { url: '/api/auth/session' }, /htu/],
    ['an htu on another origin', { url: 'http://evil.example/api/private' }, /htu/],
    ['an ath of another token', { accessToken: 'another.token.entirely' }, /ath/],
    ['no ath', { accessToken: undefined }, /ath/],
  ])('with %s', async (_case, options, message) => {
    expectProofRefused(await withProof(await proofFor(options)), message);
  });

  it("with an htu naming the Host the request was sent to, when that is not one of the app's origins", async () => {
    // Behind a balancer the Host may be an internal name; htu is checked against PUBLIC_URL, never the Host.
    const proof = await proofFor({ url: 'http://lb.internal:8080/api/private' });
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: { host: 'lb.internal:8080', authorization: `DPoP ${accessToken}`, dpop: proof } });
    expectProofRefused(response, /htu/);
  });

  it('with a reused jti: the same proof works once', async () => {
    const proof = await proofFor({});
    expect((await withProof(proof)).statusCode).toBe(200);
    expectProofRefused(await withProof(proof), /already used/);
    // A new proof with the same jti is a reuse too.
    const { jti } = decodeJwt(proof);
    expectProofRefused(await withProof(await proofFor({ claims: { jti } })), /already used/);
  });

  it('with an iat too old (over 60 s) or in the future (over 5 s)', async () => {
    expectProofRefused(await withProof(await proofFor({ now: t.now() - 61_000 })), /too old/);
    expectProofRefused(await withProof(await proofFor({ now: t.now() + 10_000 })), /future/);
    // Within the window both ways: accepted.
    expect((await withProof(await proofFor({ now: t.now() - 50_000 }))).statusCode).toBe(200);
    expect((await withProof(await proofFor({ now: t.now() + 3_000 }))).statusCode).toBe(200);
  });

  it.each([
    ['no jti', { jti: undefined }],
    ['no htm', { htm: undefined }],
    ['no htu', { htu: undefined }],
    ['no iat', { iat: undefined }],
  ])('with %s', async (_case, claims) => {
    expectProofRefused(await withProof(await proofFor({ claims })));
  });

  it('with alg "none" (unsigned)', async () => {
    const [, payload] = (await proofFor({})).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })).toString('base64url');
    expectProofRefused(await withProof(`${header}.${payload}.`), /alg/);
  });

  it('with an HMAC alg (a symmetric "key" in the jwk)', async () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const payload = decodeJwt(await proofFor({}));
    const proof = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: secret.toString('base64url') } } as never).sign(secret);
    expectProofRefused(await withProof(proof), /alg/);
  });

  it('with the private key in the jwk', async () => {
    expectProofRefused(await withProof(await proofFor({ header: { jwk: key.privateJwk } })), /private key/);
  });

  it('with a typ other than dpop+jwt', async () => {
    for (const typ of ['JWT', 'at+jwt', undefined]) {
      expectProofRefused(await withProof(await proofFor({ header: { typ } })), /typ/);
    }
  });

  it('with no jwk, or a jwk that does not verify the signature', async () => {
    expectProofRefused(await withProof(await proofFor({ header: { jwk: undefined } })), /jwk/);
    expectProofRefused(await withProof(await proofFor({ header: { jwk: otherKey.jwk } })), /does not verify/);
  });

  it('with an RSA key (not among the algorithms we take)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const proof = await new SignJWT(decodeJwt(await proofFor({}))).setProtectedHeader({ alg: 'RS256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) }).sign(privateKey);
    expectProofRefused(await withProof(proof), /alg/);
  });

  it('with two DPoP headers', async () => {
    const response = await t.inject({ method: 'GET', url: '/api/private', headers: { authorization: `DPoP ${accessToken}`, dpop: [await proofFor({}), await proofFor({})] } });
    expectProofRefused(response, /exactly one/);
  });

  it('the genuine proof still works after all of the above', async () => {
    expect((await withProof(await proofFor({}))).statusCode).toBe(200);
  });
});

describe('tokens and schemes that do not match', () => {
  it('an unbound (header-mode) token sent as DPoP is refused', async () => {
    const { accessToken } = await t.loginHeader();
    const response = await privateWith({ authorization: `DPoP ${accessToken}`, dpop: await key.proof({ method: 'GET', url: '/api/private', accessToken, now: t.now() }) });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token', message: expect.stringMatching(/not bound/) });
    expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });

  it('a malformed DPoP authorization answers invalid_token with a DPoP challenge', async () => {
    for (const authorization of ['DPoP', 'DPoP a b', 'dpop ']) {
      const response = await privateWith({ authorization });
      expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
      expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
    }
  });
});

describe('login and refresh proofs', () => {
  it('a DPoP login without a proof is refused before the password is checked', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'correct horse');
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'correct horse', mode: 'dpop' } });
    expectProofRefused(response, /Send a DPoP proof/);
  });

  it('a login proof must be for the login route', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'correct horse');
    const proof = await key.proof({ method: 'POST', url: '/api/private', now: t.now() });
    const response = await t.inject({ method: 'POST', url: '/api/auth/login', headers: { dpop: proof }, payload: { username, password: 'correct horse', mode: 'dpop' } });
    expectProofRefused(response, /htu/);
  });

  it('refresh with a proof from another key is refused, and spends nothing', async () => {
    const { refreshToken } = await t.loginDpop(key);
    const foreign = await otherKey.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() });
    expectProofRefused(await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { dpop: foreign }, payload: { refreshToken } }), /another key/);
    const own = await key.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() });
    expect((await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { dpop: own }, payload: { refreshToken } })).statusCode).toBe(200);
  });

  it('refresh without a proof (the header-mode way) is refused with a DPoP challenge', async () => {
    const { refreshToken } = await t.loginDpop(key);
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(response.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });

  it('a header-mode refresh token sent with a proof is refused (it is bound to nothing)', async () => {
    const { refreshToken } = await t.loginHeader();
    const proof = await key.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() });
    const response = await t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { dpop: proof }, payload: { refreshToken } });
    expect(errorOf(response)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('a replayed refresh token, even with a fresh proof from the right key, ends the session', async () => {
    const { refreshToken } = await t.loginDpop(key);
    const refreshWithProof = async () =>
      t.inject({ method: 'POST', url: '/api/auth/refresh', headers: { dpop: await key.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() }) }, payload: { refreshToken } });
    const first = await refreshWithProof();
    expect(first.statusCode).toBe(200);
    const replay = await refreshWithProof();
    expect(errorOf(replay)).toMatchObject({ status: 401, error: 'refresh_token_reused' });
    expect(replay.headers['www-authenticate']).toBe(TOKEN_REFUSED);
  });
});

describe('with DPOP_NONCE=true', () => {
  let n: TestApp;
  beforeAll(async () => {
    n = await startTestApp({ env: { DPOP_NONCE: 'true' } });
  });
  afterAll(() => n.close());

  it('asks for a server nonce (401 use_dpop_nonce + DPoP-Nonce), and takes the proof signed with it', async () => {
    const username = n.uniqueUsername();
    await n.register(username, 'correct horse');
    const login = (nonce?: string) =>
      key.proof({ method: 'POST', url: '/api/auth/login', now: n.now(), ...(nonce ? { nonce } : {}) }).then((proof) =>
        n.inject({ method: 'POST', url: '/api/auth/login', headers: { dpop: proof }, payload: { username, password: 'correct horse', mode: 'dpop' } }),
      );
    const challenged = await login();
    expect(errorOf(challenged)).toMatchObject({ status: 401, error: 'use_dpop_nonce' });
    expect(challenged.headers['www-authenticate']).toBe('DPoP error="use_dpop_nonce", algs="ES256 ES384 EdDSA"');
    const nonce = challenged.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[a-z0-9]+\.[\w-]{22}$/);

    const accepted = await login(nonce);
    expect(accepted.statusCode).toBe(200);
    const { accessToken } = accepted.json<{ accessToken: string }>();
    const proof = await key.proof({ method: 'GET', url: '/api/private', accessToken, now: n.now(), nonce });
    expect((await n.inject({ method: 'GET', url: '/api/private', headers: { authorization: `DPoP ${accessToken}`, dpop: proof } })).statusCode).toBe(200);

    // A nonce lives for its time slot and the next; after that the client is asked again.
    n.advance(601);
    const stale = await key.proof({ method: 'GET', url: '/api/private', accessToken, now: n.now(), nonce });
    const refused = await n.inject({ method: 'GET', url: '/api/private', headers: { authorization: `DPoP ${accessToken}`, dpop: stale } });
    expect(errorOf(refused)).toMatchObject({ status: 401, error: 'use_dpop_nonce' });
  });
});

it('ath is the base64url SHA-256 of the token (RFC 9449, section 4.2), as the test key computes it', () => {
  expect(createHash('sha256').update('abc').digest('base64url')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  expect(TEST_ORIGIN).toBe('http://localhost:3000');
});
