import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

/** The origin proofs name by default: the test app's PUBLIC_URL (http://localhost:$PORT, PORT defaulting to 3000). */
export const TEST_ORIGIN = 'http://localhost:3000';

export interface ProofOptions {
  method: string;
  /** A path on TEST_ORIGIN, or a whole URL. */
  url: string;
  accessToken?: string;
  /** Milliseconds since the epoch: the server's clock, which tests move. */
  now: number;
  nonce?: string;
  /** Claims to add, replace, or (undefined) remove. */
  claims?: Record<string, unknown>;
  /** Protected header members to add or replace. */
  header?: Record<string, unknown>;
}

/**
 * A client's DPoP key pair, as the page holds one: signs a fresh proof for each request. Tests use
 * `claims` and `header` to make every kind of bad proof with an otherwise genuine key.
 */
export async function createDpopKey(alg: 'ES256' | 'EdDSA' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');

  async function proof({ method, url, accessToken, now, nonce, claims = {}, header = {} }: ProofOptions): Promise<string> {
    const payload: Record<string, unknown> = {
      jti: randomUUID(),
      htm: method,
      htu: url.startsWith('/') ? `${TEST_ORIGIN}${url}` : url,
      iat: Math.floor(now / 1000),
      ...(accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
      ...(nonce === undefined ? {} : { nonce }),
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header }).sign(privateKey);
  }

  return { alg, jkt, jwk, privateJwk, privateKey, proof };
}

export type DpopKey = Awaited<ReturnType<typeof createDpopKey>>;
