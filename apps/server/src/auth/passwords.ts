import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { HashQueue } from './hash-queue.js';

/**
 * argon2id at OWASP's first recommendation (m = 19 MiB, t = 2, p = 1): about 15-25 ms a hash on
 * one core here, against 420 ms for the scrypt it replaces at the same strength class
 * (docs/decisions/010-argon2id-and-hash-capacity.md). Each hash is a PHC string that names its own
 * parameters, so they can be raised later without invalidating stored passwords.
 */
// `algorithm: 2` is Algorithm.Argon2id, a const enum that verbatimModuleSyntax cannot import.
export const ARGON2ID_PARAMETERS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const ARGON2ID_PREFIX = `$argon2id$v=19$m=${ARGON2ID_PARAMETERS.memoryCost},t=${ARGON2ID_PARAMETERS.timeCost},p=${ARGON2ID_PARAMETERS.parallelism}$`;

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

/**
 * Hashes from before argon2id: `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`. Still verified, so nobody is
 * locked out by the change, and replaced by an argon2id hash at the next successful login.
 */
export async function verifyScrypt(stored: string, password: string): Promise<boolean> {
  const [, log2N, r, p, salt, key] = stored.split('$');
  if (!log2N || !r || !p || !salt || !key) return false;
  const [n, blockSize, parallelism] = [2 ** Number(log2N), Number(r), Number(p)];
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: n,
    r: blockSize,
    p: parallelism,
    maxmem: 256 * n * blockSize + 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

/** Every hash and check goes through the queue, so a burst is shed instead of queued without end. */
export function createPasswordHasher({ queue }: { queue: HashQueue }) {
  async function verifyHash(stored: string, password: string): Promise<boolean> {
    if (stored.startsWith('$argon2')) return argon2Verify(stored, password).catch(() => false);
    if (stored.startsWith('scrypt$')) return verifyScrypt(stored, password);
    return false;
  }

  const hash = (password: string) => queue.run(() => argon2Hash(password, ARGON2ID_PARAMETERS));

  // Checked against when the username is unknown, so that both failures take the same time.
  const decoy = argon2Hash(randomBytes(16).toString('base64url'), ARGON2ID_PARAMETERS);

  return {
    hash,
    verify: (stored: string, password: string) => queue.run(() => verifyHash(stored, password)),
    /** True for a hash made with other (older or weaker) parameters than today's. */
    needsRehash: (stored: string) => !stored.startsWith(ARGON2ID_PREFIX),
    /** Spends the same work as a real check and answers false. */
    async verifyDecoy(password: string): Promise<false> {
      const stored = await decoy;
      await queue.run(() => verifyHash(stored, password));
      return false;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
