import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from './same-secret.js';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';
import { DPOP_ALGORITHMS, DPOP_PROOF_TYPE } from '@jwt-lab/shared';

// DPoP proofs (RFC 9449, section 4.3): every rule of what makes a proof acceptable lives here.

/** Why a proof was refused: `invalid` for anything wrong with it, `use_nonce` when it lacks a current server nonce. */
export class DpopProofError extends Error {
  constructor(
    readonly reason: 'invalid' | 'use_nonce',
    message: string,
    /** With `use_nonce`: the nonce to sign the next proof with. */
    readonly nonce?: string,
  ) {
    super(message);
    this.name = 'DpopProofError';
  }
}

/** Proof ids already presented; the same contract as spent links (stores.proofs). */
export interface SeenProofs {
  spend(id: string, expiresAt: number): Promise<boolean>;
}

/** Server nonces (RFC 9449, section 8): a bound on how long before use a proof can be made. */
export interface DpopNonces {
  current(): string;
  isCurrent(nonce: string): boolean;
}

export interface DpopProofVerifierOptions {
  seen: SeenProofs;
  /** Whether an origin (scheme://host:port) is this app's own: `htu` must name one, never the request's Host. */
  isOwnOrigin: (origin: string) => boolean;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Null or absent: no nonce is asked for. */
  nonces?: DpopNonces | null;
}

/** What the proof must match: the request it came with, and for a resource request the token it presents. */
export interface ProofExpectations {
  method: string;
  /** The request's path, without query or fragment. */
  path: string;
  /** Resource requests: the access token sent with the proof (its hash must be `ath`). */
  accessToken?: string;
  /** The thumbprint the tokens are bound to (`cnf.jkt`): the proof must be signed by that key. */
  boundTo?: string;
}

/** How old a proof may be, and how far ahead of our clock its `iat` may run (clock skew). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 60;
export const DPOP_PROOF_MAX_FUTURE_SECONDS = 5;

/** Larger than any proof with an EC or Ed25519 key; anything bigger is refused before parsing. */
const MAX_PROOF_LENGTH = 4096;
const MAX_JTI_LENGTH = 256;
/** JWK members that only a private or symmetric key has. */
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** `ath`: the base64url SHA-256 of the access token (RFC 9449, section 4.2). */
export const accessTokenHash = sha256;

function refuse(message: string): never {
  throw new DpopProofError('invalid', message);
}

/**
 * Verifies DPoP proofs: `typ` dpop+jwt, one of our asymmetric algorithms, a public `jwk` in the
 * header that verifies the signature, `htm` and `htu` of this very request on one of our own
 * origins, `iat` within the window, `ath` of the token it comes with, the key the tokens are bound
 * to, an optional server nonce, and a `jti` never seen before within the window, on any instance
 * (the seen store is shared when the deployment shares one).
 */
export function createDpopProofVerifier({ seen, isOwnOrigin, now, nonces = null }: DpopProofVerifierOptions) {
  return {
    /** Resolves with the RFC 7638 thumbprint of the proof's key; throws DpopProofError otherwise. */
    async verify(proof: string | undefined, expected: ProofExpectations): Promise<{ jkt: string }> {
      if (proof === undefined || proof === '') refuse('Send a DPoP proof (the DPoP header), signed by the key the tokens are bound to.');
      if (proof.length > MAX_PROOF_LENGTH || proof.includes(',')) refuse('Send exactly one DPoP header, holding one compact JWS.');

      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(proof);
      } catch {
        refuse('The DPoP proof is not a JWS.');
      }
      if (header.typ !== DPOP_PROOF_TYPE) refuse(`The DPoP proof's typ must be "${DPOP_PROOF_TYPE}".`);
      if (!(DPOP_ALGORITHMS as readonly unknown[]).includes(header.alg)) refuse(`The DPoP proof's alg must be one of ${DPOP_ALGORITHMS.join(', ')} (asymmetric).`);
      const jwk = header.jwk;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) refuse('The DPoP proof must carry its public key in the jwk header.');
      if (PRIVATE_KEY_MEMBERS.some((member) => member in jwk)) refuse('The DPoP proof carries a private key in its jwk header: never send a private key.');

      const nowSeconds = Math.floor(now() / 1000);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
          typ: DPOP_PROOF_TYPE,
          algorithms: [...DPOP_ALGORITHMS],
          requiredClaims: ['jti', 'htm', 'htu', 'iat'],
          currentDate: new Date(now()),
        }));
      } catch {
        refuse('The DPoP proof does not verify with the key in its jwk header, or lacks jti, htm, htu or iat.');
      }

      const { jti, htm, htu, iat, ath } = payload as { jti: unknown; htm: unknown; htu: unknown; iat: number; ath?: unknown };
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) refuse('The DPoP proof needs a jti: a unique string of at most 256 characters.');
      if (htm !== expected.method) refuse(`The DPoP proof is for ${String(htm)}, not for this ${expected.method} request.`);
      if (typeof htu !== 'string' || !sameTarget(htu, expected.path, isOwnOrigin)) refuse(`The DPoP proof's htu must be this app's URL of ${expected.path} (without query or fragment).`);
      if (nowSeconds - iat > DPOP_PROOF_MAX_AGE_SECONDS) refuse(`The DPoP proof is too old: sign a fresh one for every request (at most ${DPOP_PROOF_MAX_AGE_SECONDS} s old).`);
      if (iat - nowSeconds > DPOP_PROOF_MAX_FUTURE_SECONDS) refuse('The DPoP proof was issued in the future: check the clock.');
      if (expected.accessToken !== undefined && (typeof ath !== 'string' || !sameSecret(ath, accessTokenHash(expected.accessToken)))) {
        refuse('The DPoP proof is not for this access token (ath).');
      }
      if (nonces !== null) {
        const nonce = payload.nonce;
        if (typeof nonce !== 'string' || !nonces.isCurrent(nonce)) throw new DpopProofError('use_nonce', 'Sign the DPoP proof with the nonce in the DPoP-Nonce header.', nonces.current());
      }

      const jkt = await calculateJwkThumbprint(jwk, 'sha256');
      if (expected.boundTo !== undefined && !sameSecret(jkt, expected.boundTo)) refuse('The DPoP proof is signed by another key than the one these tokens are bound to.');

      // Last, so that a proof refused for anything else leaves nothing behind in the store.
      const remembered = await seen.spend(sha256(`${jkt}\u0000${jti}`), (iat + DPOP_PROOF_MAX_AGE_SECONDS + 1) * 1000);
      if (!remembered) refuse('This DPoP proof was already used (its jti was seen before): sign a fresh proof for every request.');
      return { jkt };
    },
  };
}

export type DpopProofVerifier = ReturnType<typeof createDpopProofVerifier>;

/** htu compared without query and fragment, after URL normalisation (case, default port, dot segments). */
function sameTarget(htu: string, path: string, isOwnOrigin: (origin: string) => boolean): boolean {
  let claimed: URL;
  try {
    claimed = new URL(htu);
  } catch {
    return false;
  }
  if (!isOwnOrigin(claimed.origin)) return false;
  // Concatenated, not resolved: a request path like //elsewhere/x must not turn into another host's /x.
  let requested: URL;
  try {
    requested = new URL(`${claimed.origin}${path}`);
  } catch {
    return false;
  }
  return requested.origin === claimed.origin && claimed.pathname === requested.pathname;
}

/**
 * Stateless server nonces: an HMAC of the current time slot under a key of this process. A nonce
 * is current during its slot and the next, so a client asked for one has at least a slot to use it.
 * Instances do not share the key: behind a balancer without affinity a client may be asked again
 * (docs/decisions/013-dpop.md).
 */
export function createDpopNonces({ now, slotSeconds = 300, key = randomBytes(32) }: { now: () => number; slotSeconds?: number; key?: Buffer }): DpopNonces {
  const slotAt = () => Math.floor(now() / 1000 / slotSeconds);
  const nonceOf = (slot: number) => `${slot.toString(36)}.${createHmac('sha256', key).update(String(slot)).digest('base64url').slice(0, 22)}`;
  return {
    current: () => nonceOf(slotAt()),
    isCurrent(nonce) {
      const slot = slotAt();
      return [slot, slot - 1].some((candidate) => sameSecret(nonce, nonceOf(candidate)));
    },
  };
}

/**
 * A key pair and the proofs it signs: the attack lab's attacker uses one of its own to show that a
 * stolen DPoP-bound token is refused even with a well-formed proof.
 */
export async function createDpopProofSigner() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jkt,
    sign: ({ htm, htu, accessToken, nonce }: { htm: string; htu: string; accessToken?: string; nonce?: string }) =>
      new SignJWT({
        htm,
        htu,
        jti: randomBytes(16).toString('base64url'),
        ...(accessToken === undefined ? {} : { ath: accessTokenHash(accessToken) }),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: DPOP_PROOF_TYPE, jwk })
        .setIssuedAt()
        .sign(privateKey),
  };
}
