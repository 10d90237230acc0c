import { randomBytes, scryptSync } from 'node:crypto';

/** A password hash as releases before argon2id wrote it (`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`). */
export function legacyScryptHash(password: string, log2N = 12): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** log2N, r: 8, p: 1, maxmem: 256 * 2 ** log2N * 8 + 1024 * 1024 });
  return ['scrypt', log2N, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}
