import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JwtAlgorithm, PublicJwk } from '@jwt-lab/shared';

// Signing keys and their rotation. One keyring file per algorithm under DATA_DIR/keys (mode 0600):
// the current key signs; a retired key still verifies until every token it signed has expired
// (access tokens: one access lifetime after retirement; refresh tokens: one refresh lifetime), and
// is then pruned. Instances re-read the file when it changes, so a rotation needs no restart.

export type TokenUse = 'access' | 'refresh';

export interface StoredKey {
  kid: string;
  createdAt: number;
  /** When it stopped signing; null for the current key. */
  retiredAt: number | null;
  /** Private JWK (EC/OKP) or the symmetric key (oct). */
  jwk: JWK;
}

export interface StoredKeyRing {
  alg: JwtAlgorithm;
  keys: StoredKey[];
}

export interface Lifetimes {
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

interface LoadedKey {
  kid: string;
  retiredAt: number | null;
  signingKey: CryptoKey;
  verificationKey: CryptoKey;
  publicJwk: PublicJwk | undefined;
}

export interface KeyRing {
  alg: JwtAlgorithm;
  /** The key new tokens are signed with. */
  current(): { kid: string; key: CryptoKey };
  /** Our key named by `kid`, if it may still verify a token of this use; never a key the token brings. */
  verificationKey(kid: string, use: TokenUse): Promise<CryptoKey | undefined>;
  /** Public keys still in use, for /.well-known/jwks.json (empty for HS256: a secret is never published). */
  publicJwks(): PublicJwk[];
  /** Re-reads the keyring if its file changed (another instance or `pnpm keys rotate`). */
  reload(): Promise<void>;
  /** Calls `listener` with the kids in the ring after every reload that changed it. */
  onChange(listener: (kids: ReadonlySet<string>) => void): void;
}

export interface KeyRingOptions extends Lifetimes {
  alg: JwtAlgorithm;
  dataDir: string;
  /** Operator-supplied HS256 secrets (JWT_SECRET, JWT_PREVIOUS_SECRET) instead of the keyring file. */
  secret?: Buffer | undefined;
  previousSecret?: Buffer | undefined;
  now: () => number;
}

/** An unknown kid may mean a rotation we have not read yet; look at most this often. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1000;

export const keyRingFile = (dataDir: string, alg: JwtAlgorithm) => path.join(dataDir, 'keys', `${alg.toLowerCase()}.keyring.json`);

/** How long a retired key keeps verifying tokens of each use. */
export function verifiesUntil(key: Pick<StoredKey, 'retiredAt'>, use: TokenUse, lifetimes: Lifetimes): number {
  if (key.retiredAt === null) return Infinity;
  return key.retiredAt + (use === 'access' ? lifetimes.accessTokenTtl : lifetimes.refreshTokenTtl) * 1000;
}

/** Keys that can still verify something; the rest are dropped from the file. */
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

/** Retires the current key (it keeps verifying) and makes a new one current. */
export async function rotateStoredKeyRing(ring: StoredKeyRing, now: number, lifetimes: Lifetimes): Promise<StoredKeyRing> {
  const retired = ring.keys.map((key) => (key.retiredAt === null ? { ...key, retiredAt: now } : key));
  return pruneRetired({ alg: ring.alg, keys: [await createStoredKey(ring.alg, now), ...retired] }, now, lifetimes);
}

export async function readStoredKeyRing(file: string): Promise<StoredKeyRing | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredKeyRing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces the file in one step (write aside, then rename), so a reader never sees half a keyring. */
export async function writeStoredKeyRing(file: string, ring: StoredKeyRing): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(ring, null, 2), { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

/**
 * Creates the keyring with one fresh key unless one exists: two instances starting at once on one
 * DATA_DIR must end up with the same key, so the first writer wins and the other reads it.
 */
async function readOrCreateStoredKeyRing(file: string, alg: JwtAlgorithm, now: number): Promise<StoredKeyRing> {
  const existing = await readStoredKeyRing(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, JSON.stringify({ alg, keys: [await createStoredKey(alg, now)] }, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readStoredKeyRing(file))!;
}

export async function loadKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { alg, dataDir, now } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (alg === 'HS256' && options.secret) return operatorSecretKeyRing(options);

  const file = keyRingFile(dataDir, alg);
  let loaded = await importStoredKeys(await readOrCreateStoredKeyRing(file, alg, now()), alg);
  let loadedVersion = await fileVersion(file);
  let lastUnknownKidReload = 0;
  const listeners: Array<(kids: ReadonlySet<string>) => void> = [];

  async function reload() {
    const version = await fileVersion(file);
    if (version === loadedVersion) return;
    const ring = await readStoredKeyRing(file);
    if (!ring || ring.alg !== alg || !ring.keys.some((key) => key.retiredAt === null)) return; // keep what works
    loaded = await importStoredKeys(ring, alg);
    loadedVersion = version;
    const kids = new Set(loaded.map((key) => key.kid));
    for (const listener of listeners) listener(kids);
  }

  return {
    alg,
    current: () => currentOf(loaded),
    async verificationKey(kid, use) {
      let key = loaded.find((candidate) => candidate.kid === kid);
      if (!key && now() - lastUnknownKidReload >= UNKNOWN_KID_RELOAD_INTERVAL_MS) {
        lastUnknownKidReload = now();
        await reload();
        key = loaded.find((candidate) => candidate.kid === kid);
      }
      return key && verifiesUntil(key, use, options) > now() ? key.verificationKey : undefined;
    },
    publicJwks: () => loaded.filter((key) => key.publicJwk && verifiesUntil(key, 'access', options) > now()).map((key) => key.publicJwk!),
    reload,
    onChange: (listener) => void listeners.push(listener),
  };
}

/**
 * HS256 with JWT_SECRET from the environment: rotating means setting a new JWT_SECRET and moving the
 * old one to JWT_PREVIOUS_SECRET. When the previous secret stopped signing is recorded in DATA_DIR
 * (the first start that saw the new secret), so it verifies for exactly one token lifetime after.
 */
async function operatorSecretKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { dataDir, now } = options;
  const current = await importStoredKeys({ alg: 'HS256', keys: [{ kid: secretKid(options.secret!), createdAt: 0, retiredAt: null, jwk: octJwk(options.secret!) }] }, 'HS256');
  const keys = [...current];
  if (options.previousSecret) {
    const kid = secretKid(options.previousSecret);
    const retiredAt = await recordSecretRotation(dataDir, current[0]!.kid, now());
    keys.push(...(await importStoredKeys({ alg: 'HS256', keys: [{ kid, createdAt: 0, retiredAt, jwk: octJwk(options.previousSecret) }] }, 'HS256')));
  }
  return {
    alg: 'HS256',
    current: () => currentOf(keys),
    verificationKey: async (kid, use) => {
      const key = keys.find((candidate) => candidate.kid === kid);
      return key && verifiesUntil(key, use, options) > now() ? key.verificationKey : undefined;
    },
    publicJwks: () => [],
    reload: async () => {},
    // The operator's secrets change only with a restart.
    onChange: () => {},
  };
}

/** Remembers since when the current operator secret signs; that is when the previous one retired. */
async function recordSecretRotation(dataDir: string, currentKid: string, now: number): Promise<number> {
  const file = path.join(dataDir, 'keys', 'hs256-operator-secret.json');
  const recorded = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { kid?: string; since?: number };
  if (recorded.kid === currentKid && typeof recorded.since === 'number') return recorded.since;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify({ kid: currentKid, since: now }), { mode: 0o600 });
  return now;
}

async function importStoredKeys(ring: StoredKeyRing, alg: JwtAlgorithm): Promise<LoadedKey[]> {
  return Promise.all(
    ring.keys.map(async (stored) => {
      if (alg === 'HS256') {
        const key = await crypto.subtle.importKey('raw', Buffer.from(stored.jwk.k!, 'base64url'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
        return { kid: stored.kid, retiredAt: stored.retiredAt, signingKey: key, verificationKey: key, publicJwk: undefined };
      }
      const publicJwk = publicPart(stored.jwk);
      return {
        kid: stored.kid,
        retiredAt: stored.retiredAt,
        signingKey: (await importJWK(stored.jwk, alg)) as CryptoKey,
        verificationKey: (await importJWK(publicJwk, alg)) as CryptoKey,
        publicJwk: toPublishedJwk(publicJwk, alg, stored.kid),
      };
    }),
  );
}

function currentOf(keys: LoadedKey[]) {
  const current = keys.find((key) => key.retiredAt === null);
  if (!current) throw new Error('the keyring has no current key');
  return { kid: current.kid, key: current.signingKey };
}

/** Changes whenever the file is replaced (rename gives a new inode) or rewritten. */
async function fileVersion(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.ino}:${info.mtimeMs}:${info.size}` : 'missing';
}

/** The kid of a symmetric key is a hash of it, never the key: it tells rotated secrets apart. */
function secretKid(secret: Uint8Array): string {
  return createHash('sha256').update('jwt-lab hs256 kid\0').update(secret).digest('base64url').slice(0, 16);
}

const octJwk = (secret: Buffer): JWK => ({ kty: 'oct', k: secret.toString('base64url') });

function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return { kty: rest.kty!, ...(rest.crv ? { crv: rest.crv } : {}), ...(rest.x ? { x: rest.x } : {}), ...(rest.y ? { y: rest.y } : {}) };
}

function toPublishedJwk(jwk: JWK, alg: JwtAlgorithm, kid: string): PublicJwk {
  return { kty: jwk.kty!, kid, alg, use: 'sig', ...(jwk.crv ? { crv: jwk.crv } : {}), ...(jwk.x ? { x: jwk.x } : {}), ...(jwk.y ? { y: jwk.y } : {}) };
}
