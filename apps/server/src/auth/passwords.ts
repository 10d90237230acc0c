import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

/**
 * scrypt, memory-hard, on libuv's thread pool so the event loop keeps serving.
 * The parameters are stored in each hash (`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`), so the cost
 * can be raised later without invalidating existing passwords.
 */
export function createPasswordHasher({ cost }: { cost: number }) {
  const options = (log2N: number, r: number, p: number): ScryptOptions => ({
    N: 2 ** log2N,
    r,
    p,
    maxmem: 256 * 2 ** log2N * r + 1024 * 1024,
  });

  async function hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scrypt(password, salt, KEY_LENGTH, options(cost, BLOCK_SIZE, PARALLELISM));
    return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async function verify(stored: string, password: string): Promise<boolean> {
    const [scheme, log2N, r, p, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !log2N || !r || !p || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, options(Number(log2N), Number(r), Number(p)));
    return timingSafeEqual(actual, expected);
  }

  // Verified against when the username is unknown, so that both failures take the same time.
  const decoy = hash(randomBytes(16).toString('base64url'));

  return {
    hash,
    verify,
    /** Spends the same work as a real check and answers false. */
    async verifyDecoy(password: string): Promise<false> {
      await verify(await decoy, password);
      return false;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
