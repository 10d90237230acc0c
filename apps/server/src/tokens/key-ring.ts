import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JwtAlgorithm, PublicJwk } from '@jwt-lab/shared';

/** A key this instance signs with, imported once (re-importing per call is jose's slow path). */
export interface SigningKey {
  kid: string;
  key: CryptoKey;
}

/** The keys of one algorithm: the current one signs, every one listed verifies. */
export interface KeyRing {
  alg: JwtAlgorithm;
  current: SigningKey;
  /** Verification keys by kid; a token whose kid is not here is refused. */
  verificationKeys: ReadonlyMap<string, CryptoKey>;
  /** Public keys for /.well-known/jwks.json: empty for HS256, whose key must never be published. */
  publicJwks: PublicJwk[];
}

export interface KeyRingOptions {
  alg: JwtAlgorithm;
  dataDir: string;
  /** HS256 secret given by the operator; when absent one is generated once into dataDir. */
  secret?: Buffer | undefined;
}

export const GENERATED_SECRET_FILE = 'jwt-secret';

/** Loads the signing keys from dataDir, generating them the first time (files mode 0600). */
export async function loadKeyRing({ alg, dataDir, secret }: KeyRingOptions): Promise<KeyRing> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (alg === 'HS256') {
    const bytes = secret ?? (await readOrCreateSecret(path.join(dataDir, GENERATED_SECRET_FILE)));
    const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    // A kid for the symmetric key lets a rotated secret be told apart; it is a hash, never the key.
    const kid = createHash('sha256').update('jwt-lab hs256 kid\0').update(bytes).digest('base64url').slice(0, 16);
    return { alg, current: { kid, key }, verificationKeys: new Map([[kid, key]]), publicJwks: [] };
  }
  const privateJwk = await readOrCreateKeyPair(alg, path.join(dataDir, 'keys', `${alg.toLowerCase()}.private.jwk.json`));
  const kid = privateJwk.kid!;
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, alg)) as CryptoKey;
  return {
    alg,
    current: { kid, key: privateKey },
    verificationKeys: new Map([[kid, publicKey]]),
    publicJwks: [toPublishedJwk(publicJwk, alg, kid)],
  };
}

async function readOrCreateSecret(file: string): Promise<Uint8Array> {
  const existing = await readIfExists(file);
  if (existing !== undefined) return Buffer.from(existing.trim(), 'base64url');
  const stored = await createOnce(file, randomBytes(32).toString('base64url'));
  return Buffer.from(stored, 'base64url');
}

async function readOrCreateKeyPair(alg: JwtAlgorithm, file: string): Promise<JWK> {
  const existing = await readIfExists(file);
  if (existing !== undefined) return JSON.parse(existing) as JWK;
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(privateKey);
  const { d: _private, ...publicPart } = jwk;
  jwk.kid = await calculateJwkThumbprint(publicPart);
  jwk.alg = alg;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  return JSON.parse(await createOnce(file, JSON.stringify(jwk))) as JWK;
}

function toPublishedJwk(jwk: JWK, alg: JwtAlgorithm, kid: string): PublicJwk {
  return {
    kty: jwk.kty!,
    kid,
    alg,
    use: 'sig',
    ...(jwk.crv ? { crv: jwk.crv } : {}),
    ...(jwk.x ? { x: jwk.x } : {}),
    ...(jwk.y ? { y: jwk.y } : {}),
  };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes a new key file readable by its owner only, unless one appeared meanwhile: two instances
 * starting at once on one dataDir must end up with the same key. Returns what the file holds.
 */
async function createOnce(file: string, contents: string): Promise<string> {
  try {
    await writeFile(file, contents, { mode: 0o600, flag: 'wx' });
    return contents;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFile(file, 'utf8');
  }
}
