import type { ErrorCode } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import { TokenError } from '../tokens/token-service.js';

/**
 * A `.catch` handler that answers a refused token with the API error of its kind: `expired` only
 * for a genuine token past its exp (signatures are checked first), `invalid` for anything else.
 * Other errors (a store failure) pass through untouched.
 */
export function refuseTokenWith(expired: ErrorCode, invalid: ErrorCode, expiredMessage?: string) {
  return (error: unknown): never => {
    if (!(error instanceof TokenError)) throw error;
    throw error.reason === 'expired' ? new ApiError(expired, expiredMessage) : new ApiError(invalid);
  };
}
