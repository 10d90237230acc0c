import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { JwtAlgorithm, PublicJwk } from '@jwt-lab/shared';
import type { KeyStorage } from './key-storage.js';
import {
  KeyRingError,
  keyRingName,
  newStoredKeyRing,
  OPERATOR_SECRET_RECORD,
  parseSecretRotation,
  parseStoredKeyRing,
  publicPart,
  secretKid,
  verifiesUntil,
  type Lifetimes,
  type StoredKeyRing,
  type TokenUse,
} from './stored-key-ring.js';

// The runtime keyring: the keys of one algorithm imported for signing and verifying, re-read from
// their storage (key-storage.ts) when it changes, so that a rotation by `pnpm keys rotate` or
// another instance needs no restart. The stored format and its rules are in stored-key-ring.ts.

export type { TokenUse } from './stored-key-ring.js';

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
  /** Re-reads the keyring if its stored version changed (another instance or `pnpm keys rotate`). */
  reload(): Promise<void>;
  /** Calls `listener` with the kids in the ring after every reload that changed it. */
  onChange(listener: (kids: ReadonlySet<string>) => void): void;
}

export interface KeyRingOptions extends Lifetimes {
  alg: JwtAlgorithm;
  storage: KeyStorage;
  /** Operator-supplied HS256 secrets (JWT_SECRET, JWT_PREVIOUS_SECRET) instead of a stored keyring. */
  secret?: Buffer | undefined;
  previousSecret?: Buffer | undefined;
  now: () => number;
}

/** An unknown kid may mean a rotation we have not read yet; look at most this often. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1000;

export async function loadKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { alg, storage, now } = options;
  if (alg === 'HS256' && options.secret) return operatorSecretKeyRing(options);

  const name = keyRingName(alg);
  const where = storage.describe(name);
  const readRing = (document: unknown): StoredKeyRing => {
    const ring = parseStoredKeyRing(document, where);
    if (ring.alg !== alg) throw new KeyRingError(`${where} holds ${ring.alg} keys, not ${alg}`);
    return ring;
  };
  const stored = await storage.readOrCreate(name, () => newStoredKeyRing(alg, now()));
  let loaded = await importStoredKeys(readRing(stored.document), alg);
  let loadedVersion = stored.version;
  let lastUnknownKidReload = 0;
  const listeners: Array<(kids: ReadonlySet<string>) => void> = [];

  async function reload() {
    const version = await storage.version(name);
    if (version === loadedVersion) return;
    const latest = await storage.read(name);
    if (!latest) return; // keep what works
    // A bad keyring written meanwhile is refused (the caller logs it); the keys loaded keep working.
    loaded = await importStoredKeys(readRing(latest.document), alg);
    loadedVersion = latest.version;
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
 * old one to JWT_PREVIOUS_SECRET. When the previous secret stopped signing is recorded in the key
 * storage (by the first start that saw the new secret), so it verifies for exactly one token lifetime after.
 */
async function operatorSecretKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { now } = options;
  const current = await importStoredKeys({ alg: 'HS256', keys: [{ kid: secretKid(options.secret!), createdAt: 0, retiredAt: null, jwk: octJwk(options.secret!) }] }, 'HS256');
  const keys = [...current];
  if (options.previousSecret) {
    const kid = secretKid(options.previousSecret);
    const retiredAt = await recordSecretRotation(options.storage, current[0]!.kid, now());
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
async function recordSecretRotation(storage: KeyStorage, currentKid: string, now: number): Promise<number> {
  const recorded = await storage.update(OPERATOR_SECRET_RECORD, async (document) => {
    const known = parseSecretRotation(document);
    return known?.kid === currentKid ? known : { kid: currentKid, since: now };
  });
  return parseSecretRotation(recorded.document)?.since ?? now;
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

const octJwk = (secret: Buffer): JWK => ({ kty: 'oct', k: secret.toString('base64url') });

function toPublishedJwk(jwk: JWK, alg: JwtAlgorithm, kid: string): PublicJwk {
  return { kty: jwk.kty!, kid, alg, use: 'sig', ...(jwk.crv ? { crv: jwk.crv } : {}), ...(jwk.x ? { x: jwk.x } : {}), ...(jwk.y ? { y: jwk.y } : {}) };
}
