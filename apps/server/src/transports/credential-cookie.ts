import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/**
 * One credential cookie of a request, refusing a request that carries it twice: a sibling subdomain
 * can set a second cookie of the same name (cookie tossing), and whichever copy a parser keeps, the
 * request would be judged by a credential its sender may not have chosen.
 */
export function createCredentialCookieReader(name: string) {
  // Matches a Cookie header that names `name` at least twice.
  const nameTwice = new RegExp(`(?:^|;)\\s*${name}=.*(?:;)\\s*${name}=`);
  return (request: FastifyRequest): string | undefined => {
    const value = request.cookies[name];
    if (value === undefined) return undefined;
    if (nameTwice.test(request.headers.cookie ?? '')) throw new ApiError('invalid_token', `The request carries the ${name} cookie more than once.`);
    return value;
  };
}
