import { DPOP_ALGORITHMS } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';

const ALGS = DPOP_ALGORITHMS.join(' ');

/** The `error` of an RFC 9449 DPoP challenge (section 7.1), beside RFC 6750's `invalid_token`. */
export type DpopChallengeError = 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** `WWW-Authenticate: DPoP error="…", algs="…"`: what went wrong, and which proof algorithms we take. */
export const dpopChallenge = (error: DpopChallengeError) => `DPoP error="${error}", algs="${ALGS}"`;

/** The holder check of every carrier but DPoP's: a key-bound token may not travel as a plain one. */
export function refuseKeyBoundToken(_request: unknown, _accessToken: string, claims: { cnf?: unknown }): undefined {
  if (claims.cnf !== undefined) throw keyBoundTokenRefused();
  return undefined;
}

/** A key-bound token sent without its scheme: a copy of it is worth nothing without the key's proof. */
export function keyBoundTokenRefused(): ApiError {
  return new ApiError('invalid_token', 'This token is bound to a key (DPoP): send it as "Authorization: DPoP <token>" with a proof signed by that key.', {
    'www-authenticate': dpopChallenge('invalid_token'),
  });
}
