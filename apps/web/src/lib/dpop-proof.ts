/**
 * DPoP proofs (RFC 9449 section 4.2), signed with WebCrypto. Used by the DPoP strategy for the
 * page's own requests, and by the attack lab's injected script, which signs with the page's key
 * exactly as the page does: being in the page is all it takes. ES256 over the compact JWS input;
 * WebCrypto's ECDSA signature is already the r || s form that JWS wants.
 */

const DPOP_KEY_ALGORITHM: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
/** DPOP_PROOF_TYPE of @jwt-lab/shared, spelled out (a test pins the two together). */
export const DPOP_PROOF_TYPE = 'dpop+jwt';

/** A new key pair whose private half can never leave the browser (`extractable: false`). */
export function generateDpopKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(DPOP_KEY_ALGORITHM, false, ['sign', 'verify']);
}

/** Whether a value read back from IndexedDB (structured clone) is a key pair. */
export function isKeyPair(value: unknown): value is CryptoKeyPair {
  if (typeof value !== 'object' || value === null) return false;
  const { privateKey, publicKey } = value as Record<string, unknown>;
  return privateKey instanceof CryptoKey && publicKey instanceof CryptoKey;
}

export interface PublicEcJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/** The public half as the proof's `jwk` header carries it: the required members only, never `d`. */
export async function publicJwkOf(publicKey: CryptoKey): Promise<PublicEcJwk> {
  const { x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  if (!x || !y) throw new Error('the DPoP public key has no coordinates');
  return { kty: 'EC', crv: 'P-256', x, y };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order; what `cnf.jkt` names. */
export async function thumbprintOf(jwk: PublicEcJwk): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
}

interface ProofClaims {
  htm: string;
  htu: string;
  /** The access token the proof goes with (its `ath`), when the request presents one. */
  accessToken?: string;
  nonce?: string;
  iat: number;
}

/** One proof for one request: `htu` without query and fragment, a fresh random `jti`. */
export async function signDpopProof(pair: CryptoKeyPair, claims: ProofClaims): Promise<string> {
  const url = new URL(claims.htu);
  const header = { typ: DPOP_PROOF_TYPE, alg: 'ES256', jwk: await publicJwkOf(pair.publicKey) };
  const payload: Record<string, string | number> = {
    htm: claims.htm,
    htu: `${url.origin}${url.pathname}`,
    iat: claims.iat,
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  if (claims.accessToken !== undefined) {
    payload.ath = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(claims.accessToken)));
  }
  if (claims.nonce !== undefined) payload.nonce = claims.nonce;
  const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = await crypto.subtle.sign(SIGNING, pair.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(signature)}`;
}

function base64urlJson(value: object): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
