import type { CookieModeLogin } from '@jwt-lab/shared';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { CredentialTransport } from './transport.js';

export const ACCESS_COOKIE = 'jwtlab_access';
export const REFRESH_COOKIE = 'jwtlab_refresh';
/** Narrowest paths that work: the access cookie goes to the API only, the refresh cookie to one route. */
export const ACCESS_COOKIE_PATH = '/api';
export const REFRESH_COOKIE_PATH = '/api/auth/refresh';

/**
 * Reads one credential cookie, refusing a request that carries it twice: a sibling subdomain can
 * set a second cookie of the same name (cookie tossing), and whichever copy a parser keeps, the
 * request would be judged by a credential its sender may not have chosen.
 */
function credentialCookie(request: FastifyRequest, name: string, nameTwice: RegExp): string | undefined {
  const value = request.cookies[name];
  if (value === undefined) return undefined;
  if (nameTwice.test(request.headers.cookie ?? '')) throw new ApiError('invalid_token', `The request carries the ${name} cookie more than once.`);
  return value;
}

/** Matches a Cookie header that names `name` at least twice. */
const twice = (name: string) => new RegExp(`(?:^|;)\\s*${name}=.*(?:;)\\s*${name}=`);
const ACCESS_COOKIE_TWICE = twice(ACCESS_COOKIE);
const REFRESH_COOKIE_TWICE = twice(REFRESH_COOKIE);

export interface CookieTransportOptions {
  cookieSecure: boolean;
  accessTokenTtl: number;
  now: () => number;
}

/**
 * Cookie mode: tokens only in HttpOnly cookies that page scripts cannot read. SameSite=Strict keeps
 * them off cross-site requests (docs/decisions/002-samesite-strict.md); the CSRF token and Origin
 * check guard the rest.
 */
export function createCookieTransport({ cookieSecure, accessTokenTtl, now }: CookieTransportOptions) {
  const attributes: CookieSerializeOptions = { httpOnly: true, secure: cookieSecure, sameSite: 'strict' };
  return {
    mode: 'cookie',
    carriesAccessToken: (request) => Boolean(request.cookies[ACCESS_COOKIE]),
    readAccessToken: (request) => credentialCookie(request, ACCESS_COOKIE, ACCESS_COOKIE_TWICE) ?? '',
    readRefreshToken: (request) => credentialCookie(request, REFRESH_COOKIE, REFRESH_COOKIE_TWICE) || undefined,
    deliver(reply, issued): CookieModeLogin {
      const refreshMaxAge = Math.max(0, Math.floor((issued.refreshExpiresAt - now()) / 1000));
      // The access cookie outlives its token (until the refresh token ends) so that the API can
      // answer token_expired rather than missing_token; an expired token is worth nothing.
      reply.setCookie(ACCESS_COOKIE, issued.accessToken, { ...attributes, path: ACCESS_COOKIE_PATH, maxAge: refreshMaxAge });
      reply.setCookie(REFRESH_COOKIE, issued.refreshToken, { ...attributes, path: REFRESH_COOKIE_PATH, maxAge: refreshMaxAge });
      return { mode: 'cookie', user: issued.user, expiresIn: accessTokenTtl, csrfToken: issued.session.csrfToken };
    },
    clear(reply) {
      reply.clearCookie(ACCESS_COOKIE, { ...attributes, path: ACCESS_COOKIE_PATH });
      reply.clearCookie(REFRESH_COOKIE, { ...attributes, path: REFRESH_COOKIE_PATH });
    },
  } satisfies CredentialTransport;
}
