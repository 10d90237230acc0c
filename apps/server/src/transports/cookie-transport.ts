import type { CookieModeLogin } from '@jwt-lab/shared';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { SessionRecord } from '../stores/types.js';
import { refuseKeyBoundToken } from './challenges.js';
import { createCredentialCookieReader } from './credential-cookie.js';
import { assertCsrfHeader, assertSameOrigin } from './csrf.js';
import type { AccessCarrier, CredentialTransport, SessionDetails } from './transport.js';

export const ACCESS_COOKIE = 'jwtlab_access';
export const REFRESH_COOKIE = 'jwtlab_refresh';
/** Narrowest paths that work: the access cookie goes to the API only, the refresh cookie to one route. */
export const ACCESS_COOKIE_PATH = '/api';
export const REFRESH_COOKIE_PATH = '/api/auth/refresh';

export interface CookieTransportOptions {
  cookieSecure: boolean;
  accessTokenTtl: number;
  now: () => number;
}

/** The defences of one cookie session. Every session has all of them, unless the attack lab made it without some. */
export interface CookieDefences {
  sameSite: 'strict' | 'lax' | 'none';
  csrfToken: boolean;
  originCheck: boolean;
}

export const EVERY_DEFENCE: CookieDefences = Object.freeze({ sameSite: 'strict', csrfToken: true, originCheck: true });

/** Another family of cookie sessions (the attack lab's): its own cookie names and per-session defences. */
export interface CookieSessionFamily {
  accessCookie: string;
  refreshCookie: string;
  defencesOf(sessionId: string): CookieDefences;
  sessionDetails(session: SessionRecord): SessionDetails;
}

const ORDINARY_SESSIONS: CookieSessionFamily = {
  accessCookie: ACCESS_COOKIE,
  refreshCookie: REFRESH_COOKIE,
  defencesOf: () => EVERY_DEFENCE,
  sessionDetails: (session) => ({ csrfToken: session.csrfToken }),
};

/**
 * Cookie mode: tokens only in HttpOnly cookies that page scripts cannot read. SameSite=Strict keeps
 * them off cross-site requests (docs/decisions/002-samesite-strict.md); the CSRF token and Origin
 * check guard the rest. Its access carrier owns the CSRF rule for every request a cookie authenticates.
 */
export function createCookieTransport({ cookieSecure, accessTokenTtl, now }: CookieTransportOptions, family: CookieSessionFamily = ORDINARY_SESSIONS) {
  const attributesFor = (sessionId: string): CookieSerializeOptions => {
    const { sameSite } = family.defencesOf(sessionId);
    // Browsers drop a SameSite=None cookie that is not Secure (localhost counts as a secure origin).
    return { httpOnly: true, secure: cookieSecure || sameSite === 'none', sameSite };
  };
  const clearing: CookieSerializeOptions = { httpOnly: true, secure: cookieSecure, sameSite: 'strict' };
  const readAccessCookie = createCredentialCookieReader(family.accessCookie);
  const readRefreshCookie = createCredentialCookieReader(family.refreshCookie);

  /** Cookies ride along on requests a foreign page triggers: such a request must prove it is the page's own. */
  const assertOwnRequest = (request: FastifyRequest, session: SessionRecord) => {
    const defences = family.defencesOf(session.id);
    if (defences.originCheck) assertSameOrigin(request);
    if (defences.csrfToken) assertCsrfHeader(request, session.csrfToken);
  };

  const access = {
    via: 'cookie',
    description: 'an HttpOnly cookie',
    carries: (request) => Boolean(request.cookies[family.accessCookie]),
    read: (request) => readAccessCookie(request) ?? '',
    verifyHolder: refuseKeyBoundToken,
    assertOwnRequest,
    sessionDetails: family.sessionDetails,
  } satisfies AccessCarrier;

  return {
    mode: 'cookie',
    access,
    readRefreshToken: (request) => readRefreshCookie(request) || undefined,
    assertOwnRefresh: (request, session) => assertOwnRequest(request, session),
    deliver(reply, issued): CookieModeLogin {
      const refreshMaxAge = Math.max(0, Math.floor((issued.refreshExpiresAt - now()) / 1000));
      const attributes = attributesFor(issued.session.id);
      // The access cookie outlives its token (until the refresh token ends) so that the API can
      // answer token_expired rather than missing_token; an expired token is worth nothing.
      reply.setCookie(family.accessCookie, issued.accessToken, { ...attributes, path: ACCESS_COOKIE_PATH, maxAge: refreshMaxAge });
      reply.setCookie(family.refreshCookie, issued.refreshToken, { ...attributes, path: REFRESH_COOKIE_PATH, maxAge: refreshMaxAge });
      return { mode: 'cookie', user: issued.user, expiresIn: accessTokenTtl, csrfToken: issued.session.csrfToken };
    },
    clear(reply) {
      reply.clearCookie(family.accessCookie, { ...clearing, path: ACCESS_COOKIE_PATH });
      reply.clearCookie(family.refreshCookie, { ...clearing, path: REFRESH_COOKIE_PATH });
    },
  } satisfies CredentialTransport;
}

