import { DPOP_HEADER, DPOP_NONCE_HEADER, type DpopModeLogin } from '@jwt-lab/shared';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { DpopProofError, type DpopProofVerifier, type ProofExpectations } from '../tokens/dpop-proofs.js';
import { dpopChallenge } from './challenges.js';
import type { AccessCarrier, CredentialTransport } from './transport.js';

// RFC 9449 section 7.1: `Authorization: DPoP <token68>`; the scheme name is case-insensitive.
const DPOP_SCHEME = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;
const DPOP_PREFIX = /^DPoP(?: |$)/i;

/**
 * DPoP mode (RFC 9449): both tokens in the body, bound to the key of the login's proof (`cnf.jkt`).
 * Every request sends `Authorization: DPoP <token>` and a fresh proof from that key; a refresh sends
 * the refresh token in the body, with a proof from the same key. A copied token is worth nothing
 * without the key, which the page cannot even export. The proof itself is checked by the tokens
 * module; this transport says which request it must match and answers in DPoP's terms.
 */
export function createDpopTransport({ proofs, accessTokenTtl }: { proofs: DpopProofVerifier; accessTokenTtl: number }) {
  /** The proof of this request, matched against this request; refusals become 401 with a DPoP challenge. */
  async function verifyProof(request: FastifyRequest, expected: Omit<ProofExpectations, 'method' | 'path'>): Promise<string> {
    try {
      const { jkt } = await proofs.verify(proofOf(request), { method: request.method, path: pathOf(request), ...expected });
      return jkt;
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      if (error.reason === 'use_nonce') {
        throw new ApiError('use_dpop_nonce', error.message, { 'www-authenticate': dpopChallenge('use_dpop_nonce'), [DPOP_NONCE_HEADER]: error.nonce! });
      }
      throw new ApiError('invalid_token', error.message, { 'www-authenticate': dpopChallenge('invalid_dpop_proof') });
    }
  }

  const access = {
    via: 'dpop',
    description: 'the Authorization header as a DPoP-bound token, with a proof from its key',
    carries: (request) => {
      const authorization = request.headers.authorization;
      return authorization !== undefined && DPOP_PREFIX.test(authorization);
    },
    read(request) {
      const match = DPOP_SCHEME.exec(request.headers.authorization ?? '');
      if (!match) throw new ApiError('invalid_token', 'Send the access token as "Authorization: DPoP <token>".', { 'www-authenticate': dpopChallenge('invalid_token') });
      return match[1]!;
    },
    async verifyHolder(request, accessToken, claims) {
      const jkt = claims.cnf?.jkt;
      if (jkt === undefined) {
        throw new ApiError('invalid_token', 'This token is not bound to a key: send it as "Authorization: Bearer <token>".', { 'www-authenticate': dpopChallenge('invalid_token') });
      }
      await verifyProof(request, { accessToken, boundTo: jkt });
    },
    // The proof verified with the token already names this method and URL: no other site can make one.
    assertOwnRequest: () => {},
    sessionDetails: () => ({}),
    challenge(error) {
      if (!(error instanceof ApiError) || !error.headers['www-authenticate']?.startsWith('Bearer')) return error;
      return new ApiError(error.code, error.message, { ...error.headers, 'www-authenticate': dpopChallenge('invalid_token') });
    },
  } satisfies AccessCarrier;

  return {
    mode: 'dpop',
    access,
    // Body and proof together: a refresh token in the body with no proof is header mode's way.
    readRefreshToken: (request) => (request.headers[DPOP_HEADER] === undefined ? undefined : (request.body as { refreshToken?: string } | undefined)?.refreshToken),
    async assertOwnRefresh(request, _session, binding) {
      if (binding === undefined) throw access.challenge(new ApiError('invalid_token', 'This refresh token is not bound to a key.'));
      await verifyProof(request, { boundTo: binding.jkt });
    },
    async bindLogin(request) {
      return { jkt: await verifyProof(request, {}) };
    },
    deliver: (_reply, issued): DpopModeLogin => ({
      mode: 'dpop',
      user: issued.user,
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      tokenType: 'DPoP',
      expiresIn: accessTokenTtl,
    }),
    // The page keeps the tokens and its key; revoking the session is what makes them useless.
    clear: () => {},
  } satisfies CredentialTransport;
}

function proofOf(request: FastifyRequest): string | undefined {
  const proof = request.headers[DPOP_HEADER];
  // Node joins repeated headers with ", ", which the verifier refuses: exactly one proof is allowed.
  return Array.isArray(proof) ? proof.join(', ') : proof;
}

/** The path as the client sent it, without the query; the origin is ours, never the request's Host. */
function pathOf(request: FastifyRequest): string {
  const queryAt = request.url.indexOf('?');
  return queryAt === -1 ? request.url : request.url.slice(0, queryAt);
}
