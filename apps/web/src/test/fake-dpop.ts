import { base64url, thumbprintOf, type PublicEcJwk } from '../lib/dpop-proof';

const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString());

/**
 * The fake API's check of a DPoP proof: the signature by the embedded public key, `typ`, `alg`,
 * `htm`, `htu` and `ath`. Enough for the page's tests to fail when a proof is missing, stale or
 * from another key; the real checks (iat window, nonce, jti on every instance) are the server's.
 */
export async function verifyFakeDpopProof(
  proof: string,
  expected: { htm: string; htu: string; accessToken?: string | undefined },
): Promise<{ jkt: string; jti: string } | null> {
  try {
    const [header, payload, signature] = proof.split('.') as [string, string, string];
    const { typ, alg, jwk } = decode(header) as { typ: string; alg: string; jwk: PublicEcJwk & { d?: string } };
    const claims = decode(payload) as { htm: string; htu: string; ath?: string; jti: string };
    if (typ !== 'dpop+jwt' || alg !== 'ES256' || jwk.d !== undefined) return null;
    const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const valid = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      Buffer.from(signature, 'base64url'),
      new TextEncoder().encode(`${header}.${payload}`),
    );
    if (!valid || claims.htm !== expected.htm || claims.htu !== expected.htu) return null;
    if (expected.accessToken !== undefined) {
      const ath = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(expected.accessToken)));
      if (claims.ath !== ath) return null;
    }
    return { jkt: await thumbprintOf(jwk), jti: claims.jti };
  } catch {
    return null;
  }
}
