import { CSRF_HEADER } from '@jwt-lab/shared';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { sameSecret } from '../tokens/same-secret.js';

/**
 * A browser names the page that sent a request in `Origin`. Ours are the app's own origins
 * (PUBLIC_URL, and the loopback names on our port while listening on loopback), never whatever the
 * request's Host says: a rebinding page's Host is its own name. Anything else, the opaque "null"
 * included, is a foreign site. No Origin at all means a non-browser client (curl, a mobile app),
 * which cannot be tricked into sending our cookies.
 */
export function isForeignOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return !request.server.appOrigins.isOwnOrigin(origin);
}

/** A refused CSRF check (403 csrf_failed), naming the check that refused it: the attack lab reports it. */
export class CsrfError extends ApiError {
  constructor(
    readonly check: 'origin-check' | 'csrf-token',
    message: string,
  ) {
    super('csrf_failed', message);
  }
}

/** Login CSRF: a foreign site must not log the visitor in to an account of the attacker's. */
export function assertSameOrigin(request: FastifyRequest): void {
  if (isForeignOrigin(request)) throw new CsrfError('origin-check', 'Requests from another site are refused.');
}

/** The X-CSRF-Token header must echo the session's CSRF token (the Origin is checked apart). */
export function assertCsrfHeader(request: FastifyRequest, expected: string): void {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, expected)) {
    throw new CsrfError('csrf-token', `Send the session's CSRF token in the X-CSRF-Token header.`);
  }
}

/** A state-changing request authenticated by cookie must come from our origin and echo the session's CSRF token. */
export function assertCsrfToken(request: FastifyRequest, expected: string): void {
  assertSameOrigin(request);
  assertCsrfHeader(request, expected);
}
