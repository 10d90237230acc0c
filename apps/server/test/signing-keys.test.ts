import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { keyRingFile, readStoredKeyRing, writeStoredKeyRing } from '../src/tokens/file-key-storage.js';
import { rotateStoredKeyRing } from '../src/tokens/stored-key-ring.js';
import { bearer, errorOf, startTestApp, type TestApp } from './support/test-app.js';

// Asymmetric algorithms, the JWKS, and key rotation that logs nobody out.

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
const open: TestApp[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function appWith(alg: string, env: Record<string, string> = {}) {
  const app = await startTestApp({ env: { JWT_ALG: alg, JWT_SECRET: alg === 'HS256' ? (env.JWT_SECRET ?? '') : '', ...env } });
  open.push(app);
  return app;
}

const privateOk = async (t: TestApp, token: string) => (await t.inject({ method: 'GET', url: '/api/private', headers: bearer(token) })).statusCode;

describe.each([
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
])('%s', (alg, shape) => {
  it('signs with the private key, verifies, and publishes only the public key', async () => {
    const t = await appWith(alg);
    const { accessToken } = await t.loginHeader();
    const header = decodeProtectedHeader(accessToken);
    expect(header).toMatchObject({ alg, typ: 'at+jwt' });
    expect(await privateOk(t, accessToken)).toBe(200);

    const jwks = (await t.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ ...shape, alg, use: 'sig', kid: header.kid, x: expect.any(String) });
    expect(jwk).not.toHaveProperty('d');
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|"k"/);

    const file = await stat(keyRingFile(t.dataDir, alg as 'ES256'));
    expect(file.mode & 0o777).toBe(0o600);
  });

  it('refuses the algorithm-confusion attacks', async () => {
    const t = await appWith(alg);
    const { accessToken } = await t.loginHeader();
    const claims = decodeJwt(accessToken);
    const { kid } = decodeProtectedHeader(accessToken);
    const published = (await t.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys[0];

    // HS256 "signed" with our public key as the HMAC secret: the classic confusion.
    for (const secret of [JSON.stringify(published), published.x]) {
      const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(new TextEncoder().encode(secret));
      expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(confused) }))).toMatchObject({ status: 401, error: 'invalid_token' });
    }
    // The attacker's own key pair, named by kid, carried in a jwk header, or pointed to by jku.
    const attacker = await generateKeyPair(alg, { crv: shape.crv });
    const attackerJwk = await exportJWK(attacker.publicKey);
    for (const header of [{ kid }, { kid: 'attacker' }, { kid, jwk: attackerJwk }, { kid, jku: 'https://evil.example/jwks.json' }]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', ...header }).sign(attacker.privateKey);
      expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(forged) }))).toMatchObject({ status: 401, error: 'invalid_token' });
    }
    // Another asymmetric algorithm than the configured one.
    const other = alg === 'ES256' ? 'EdDSA' : 'ES256';
    const otherKeys = await generateKeyPair(other);
    const switched = await new SignJWT(claims).setProtectedHeader({ alg: other, typ: 'at+jwt', kid }).sign(otherKeys.privateKey);
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(switched) }))).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(await privateOk(t, accessToken)).toBe(200);
  });
});

describe('rotation', () => {
  async function rotate(t: TestApp, alg: 'ES256' | 'HS256') {
    const file = keyRingFile(t.dataDir, alg);
    const rotated = await rotateStoredKeyRing((await readStoredKeyRing(file))!, t.now(), t.config);
    await writeStoredKeyRing(file, rotated);
    return rotated;
  }

  /** A token signed with one of the keyring's private keys, as only a key holder could. */
  async function signWith(jwk: JWK, kid: string, alg: string, claims: JWTPayload) {
    return new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', kid }).sign(await importJWK(jwk, alg));
  }

  it.each(['ES256', 'HS256'] as const)('%s: tokens signed before keep working, new ones carry the new kid, a retired key stops after its window', async (alg) => {
    const t = await appWith(alg, { ACCESS_TOKEN_TTL: '600', REFRESH_TOKEN_TTL: '3600' });
    const before = await t.loginHeader();
    const oldKid = decodeProtectedHeader(before.accessToken).kid!;
    const ring = await rotate(t, alg);
    const [newKey, oldKey] = ring.keys as [typeof ring.keys[0], typeof ring.keys[0]];
    expect(oldKey.kid).toBe(oldKid);

    // The instance meets the new kid and re-reads the keyring at once (no restart).
    const signedWithNew = await signWith(newKey.jwk, newKey.kid, alg, decodeJwt(before.accessToken));
    expect(await privateOk(t, signedWithNew)).toBe(200);
    const after = await t.loginHeader();
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKey.kid);

    // Signed before the rotation: the access token and the refresh token still work.
    expect(await privateOk(t, before.accessToken)).toBe(200);
    if (alg === 'ES256') {
      const jwks = (await t.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      expect(jwks.keys.map((key: { kid: string }) => key.kid).sort()).toEqual([newKey.kid, oldKid].sort());
    }

    // One access lifetime later the retired key no longer verifies access tokens, even fresh-looking ones...
    t.advance(601);
    const now = Math.floor(t.now() / 1000);
    const mintedWithRetired = await signWith(oldKey.jwk, oldKey.kid, alg, { ...decodeJwt(before.accessToken), iat: now, exp: now + 600 });
    expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(mintedWithRetired) }))).toMatchObject({ status: 401, error: 'invalid_token' });
    if (alg === 'ES256') {
      const jwks = (await t.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([newKey.kid]);
    }
    // ...but a refresh token it signed still works until its own expiry: nobody is logged out.
    const refreshed = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: before.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    expect(decodeProtectedHeader(refreshed.json().accessToken).kid).toBe(newKey.kid);
  });

  it('HS256 with JWT_SECRET: the previous secret verifies for one lifetime after the switch', async () => {
    const oldSecret = 'o'.repeat(40);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-secret-rotation-'));
    const first = await startTestApp({ dataDir, env: { JWT_SECRET: oldSecret } });
    const session = await first.loginHeader();
    await first.close();

    const second = await startTestApp({ dataDir, env: { JWT_SECRET: 'n'.repeat(40), JWT_PREVIOUS_SECRET: oldSecret } });
    open.push(second);
    expect(await privateOk(second, session.accessToken)).toBe(200);
    const fresh = await second.loginHeader();
    expect(decodeProtectedHeader(fresh.accessToken).kid).not.toBe(decodeProtectedHeader(session.accessToken).kid);

    const forgedLater = async () => {
      const now = Math.floor(second.now() / 1000);
      const token = await new SignJWT({ ...decodeJwt(session.accessToken), iat: now, exp: now + 900 }).setProtectedHeader(decodeProtectedHeader(session.accessToken) as never).sign(new TextEncoder().encode(oldSecret));
      return (await second.inject({ method: 'GET', url: '/api/private', headers: bearer(token) })).statusCode;
    };
    expect(await forgedLater()).toBe(200); // within the window the old secret still verifies
    second.advance(901);
    expect(await forgedLater()).toBe(401); // after one access lifetime it verifies nothing
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('a separate service verifying our tokens from the JWKS alone', () => {
  it('accepts our tokens with createRemoteJWKSet, before and after a rotation', async () => {
    const t = await appWith('ES256');
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // jose refetches on an unknown kid, but by default at most every 30 s; a verifier that wants a
    // rotation seen at once lowers that cooldown (see the README).
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', address), { cooldownDuration: 0 });
    const verifyElsewhere = (token: string) => jwtVerify(token, jwks, { issuer: 'jwt-lab', audience: 'jwt-lab-api', typ: 'at+jwt', algorithms: ['ES256'] });

    const before = await t.loginHeader();
    expect((await verifyElsewhere(before.accessToken)).payload.sub).toBe(before.user.id);

    const file = keyRingFile(t.dataDir, 'ES256');
    await writeStoredKeyRing(file, await rotateStoredKeyRing((await readStoredKeyRing(file))!, t.now(), t.config));
    const newKey = (await readStoredKeyRing(file))!.keys[0]!;
    const token = await new SignJWT(decodeJwt(before.accessToken)).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: newKey.kid }).sign(await importJWK(newKey.jwk, 'ES256'));
    expect(await privateOk(t, token)).toBe(200); // our instance picked up the rotation
    const after = await t.loginHeader();
    // The verifier meets an unknown kid and refetches the JWKS by itself.
    expect((await verifyElsewhere(after.accessToken)).protectedHeader.kid).toBe(newKey.kid);
    await expect(verifyElsewhere(before.accessToken)).resolves.toBeDefined();
  });
});

describe('pnpm keys', () => {
  it('lists and rotates the keyring of DATA_DIR', async () => {
    const t = await appWith('EdDSA');
    const run = (command: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@jwt-lab/source', 'src/cli/keys.ts', command], {
        cwd: SERVER_DIR,
        env: { PATH: process.env.PATH, DATA_DIR: t.dataDir, JWT_ALG: 'EdDSA' },
        encoding: 'utf8',
      });
    const kidBefore = (await readStoredKeyRing(keyRingFile(t.dataDir, 'EdDSA')))!.keys[0]!.kid;
    const list = run('list');
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(`${kidBefore}`);
    expect(list.stdout).toContain('current');

    const rotated = run('rotate');
    expect(rotated.status).toBe(0);
    const ring = (await readStoredKeyRing(keyRingFile(t.dataDir, 'EdDSA')))!;
    expect(ring.keys).toHaveLength(2);
    expect(ring.keys[1]).toMatchObject({ kid: kidBefore, retiredAt: expect.any(Number) });
    expect(rotated.stdout).toContain(ring.keys[0]!.kid);
    expect(rotated.stdout).not.toContain(ring.keys[0]!.jwk.d!); // never prints key material
    expect(JSON.parse(await readFile(keyRingFile(t.dataDir, 'EdDSA'), 'utf8')).keys).toHaveLength(2);

    const bad = run('explode');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('jwt-lab keys: usage: pnpm keys list | pnpm keys rotate');
    // Three CLI processes, each compiling TypeScript on start: seconds each on a busy machine.
  }, 60_000);
});
