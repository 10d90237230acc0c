import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { firstMismatch, type JwtAlgorithm } from '@jwt-lab/shared';

// The stored format of the signing keys, wherever they are kept (key-storage.ts), and the rules
// of their life: the current key signs; a retired key still verifies until every token it signed
// has expired (access tokens: one access lifetime after retirement; refresh tokens: one refresh
// lifetime), and is then pruned. Stored data is parsed with these schemas, never cast.

/** A keyring or record that cannot be used: the message says which and what to do. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

const Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]+$' });

/** The private (or symmetric) key of each algorithm, as JWK; the stored key must match the ring's algorithm. */
const PRIVATE_JWK: Record<JwtAlgorithm, TSchema> = {
  HS256: Type.Object({ kty: Type.Literal('oct'), k: Type.String({ pattern: '^[A-Za-z0-9_-]{43,}$' }) }),
  ES256: Type.Object({ kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Base64Url, y: Base64Url, d: Base64Url }),
  EdDSA: Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Base64Url, d: Base64Url }),
};

const StoredKeySchema = Type.Object({
  kid: Type.String({ minLength: 1, maxLength: 128 }),
  createdAt: Type.Number(),
  /** When it stopped signing; null for the current key. */
  retiredAt: Type.Union([Type.Number(), Type.Null()]),
  jwk: Type.Object({ kty: Type.String() }, { additionalProperties: true }),
});

const StoredKeyRingSchema = Type.Object({
  // Spelled out (not mapped from JWT_ALGORITHMS) so that the parsed type is JwtAlgorithm, checked below.
  alg: Type.Union([Type.Literal('HS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]),
  keys: Type.Array(StoredKeySchema, { minItems: 1 }),
});

/** Fails to compile when JWT_ALGORITHMS and the schema above disagree. */
const SCHEMA_NAMES_EVERY_ALGORITHM: Record<JwtAlgorithm, Static<typeof StoredKeyRingSchema>['alg']> = { HS256: 'HS256', ES256: 'ES256', EdDSA: 'EdDSA' };
void SCHEMA_NAMES_EVERY_ALGORITHM;

export interface StoredKey {
  kid: string;
  createdAt: number;
  retiredAt: number | null;
  /** Private JWK (EC/OKP) or the symmetric key (oct). */
  jwk: JWK;
}

export interface StoredKeyRing {
  alg: JwtAlgorithm;
  keys: StoredKey[];
}

export type TokenUse = 'access' | 'refresh';

export interface Lifetimes {
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

/** The document name of an algorithm's keyring (`es256.keyring`: DATA_DIR/keys/es256.keyring.json in files). */
export const keyRingName = (alg: JwtAlgorithm) => `${alg.toLowerCase()}.keyring`;

/** Since when the operator's JWT_SECRET signs: when JWT_PREVIOUS_SECRET retired. */
export const OPERATOR_SECRET_RECORD = 'hs256-operator-secret';
const SecretRotationSchema = Type.Object({ kid: Type.String(), since: Type.Number() });
export type SecretRotation = Static<typeof SecretRotationSchema>;

/** A stored keyring, checked in full; throws KeyRingError naming `where` and the first problem. */
export function parseStoredKeyRing(document: unknown, where: string): StoredKeyRing {
  const refuse = (problem: string) =>
    new KeyRingError(`${where} is not a usable JWT Lab keyring (${problem}); restore it from a backup, or move it away to start with a new key`);
  if (!Value.Check(StoredKeyRingSchema, document)) throw refuse(firstMismatch(StoredKeyRingSchema, document, '/'));
  const ring = document;
  ring.keys.forEach((key, i) => {
    const schema = PRIVATE_JWK[ring.alg];
    if (!Value.Check(schema, key.jwk)) throw refuse(`/keys/${i}/jwk: not a ${ring.alg} key: ${firstMismatch(schema, key.jwk, '/')}`);
  });
  if (!ring.keys.some((key) => key.retiredAt === null)) throw refuse('no current key');
  return { alg: ring.alg, keys: ring.keys.map((key) => ({ kid: key.kid, createdAt: key.createdAt, retiredAt: key.retiredAt, jwk: { ...key.jwk } })) };
}

export function parseSecretRotation(document: unknown): SecretRotation | undefined {
  return Value.Check(SecretRotationSchema, document) ? { kid: document.kid, since: document.since } : undefined;
}

/** How long a retired key keeps verifying tokens of each use. */
export function verifiesUntil(key: Pick<StoredKey, 'retiredAt'>, use: TokenUse, lifetimes: Lifetimes): number {
  if (key.retiredAt === null) return Infinity;
  return key.retiredAt + (use === 'access' ? lifetimes.accessTokenTtl : lifetimes.refreshTokenTtl) * 1000;
}

/** Keys that can still verify something; the rest are dropped from the keyring. */
export function pruneRetired(ring: StoredKeyRing, now: number, lifetimes: Lifetimes): StoredKeyRing {
  const longest = lifetimes.accessTokenTtl > lifetimes.refreshTokenTtl ? 'access' : 'refresh';
  return { ...ring, keys: ring.keys.filter((key) => verifiesUntil(key, longest, lifetimes) > now) };
}

export async function createStoredKey(alg: JwtAlgorithm, now: number): Promise<StoredKey> {
  if (alg === 'HS256') {
    const k = randomBytes(32).toString('base64url');
    return { kid: secretKid(Buffer.from(k, 'base64url')), createdAt: now, retiredAt: null, jwk: { kty: 'oct', k } };
  }
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  return { kid, createdAt: now, retiredAt: null, jwk };
}

export async function newStoredKeyRing(alg: JwtAlgorithm, now: number): Promise<StoredKeyRing> {
  return { alg, keys: [await createStoredKey(alg, now)] };
}

/** Retires the current key (it keeps verifying) and makes a new one current. */
export async function rotateStoredKeyRing(ring: StoredKeyRing, now: number, lifetimes: Lifetimes): Promise<StoredKeyRing> {
  const retired = ring.keys.map((key) => (key.retiredAt === null ? { ...key, retiredAt: now } : key));
  return pruneRetired({ alg: ring.alg, keys: [await createStoredKey(ring.alg, now), ...retired] }, now, lifetimes);
}

/** The kid of a symmetric key is a hash of it, never the key: it tells rotated secrets apart. */
export function secretKid(secret: Uint8Array): string {
  return createHash('sha256').update('jwt-lab hs256 kid\0').update(secret).digest('base64url').slice(0, 16);
}

export function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return { kty: rest.kty!, ...(rest.crv ? { crv: rest.crv } : {}), ...(rest.x ? { x: rest.x } : {}), ...(rest.y ? { y: rest.y } : {}) };
}
