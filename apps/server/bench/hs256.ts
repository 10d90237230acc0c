import { createHmac, randomUUID } from 'node:crypto';
import { parseConfig } from '../src/config/config.js';

/** The @fastify/jwt reference checks the same issuer and audience as our server does by default. */
export const { issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE } = parseConfig({});

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs the reference server's token with node:crypto: the bench needs no JWT library of its own
 * (and must not borrow the server's), and an HS256 JWS is one HMAC over two base64url parts.
 */
export function signHs256(secret: string, ttlSeconds: number): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'HS256', typ: 'JWT' });
  const payload = base64url({ iss: BENCH_ISSUER, aud: BENCH_AUDIENCE, sub: randomUUID(), iat, exp: iat + ttlSeconds, jti: randomUUID(), sid: randomUUID() });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
