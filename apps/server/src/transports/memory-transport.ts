import { MEMORY_CSRF_COOKIE, type MemoryModeLogin } from '@jwt-lab/shared';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { REFRESH_COOKIE_PATH, type CookieTransportOptions } from './cookie-transport.js';
import { createCredentialCookieReader } from './credential-cookie.js';
import { assertCsrfToken } from './csrf.js';
import type { AccessCarrier, CredentialTransport } from './transport.js';

/** Memory mode's own refresh cookie: a name apart from cookie mode's, so the two never overwrite each other in one browser. */
export const MEMORY_REFRESH_COOKIE = 'jwtlab_memory_refresh';
/** The readable CSRF cookie must be visible to the page wherever it is, so its path is the root. */
const CSRF_COOKIE_PATH = '/';

/**
 * Memory mode: the access token in the JSON body, kept by the page in a JavaScript variable only
 * and sent as Bearer; the refresh token only in an HttpOnly, SameSite=Strict cookie sent to the
 * refresh route alone. A refresh is judged like a cookie-mode one (Origin and X-CSRF-Token). After a
 * reload the page has lost the CSRF token with its memory, so it is also set as a readable,
 * SameSite=Strict cookie that the page echoes: a cross-site page can neither read it nor make the
 * browser send the refresh cookie, while a script in the page can do both
 * (docs/decisions/012-memory-mode-refresh-after-reload.md).
 */
export function createMemoryTransport({ cookieSecure, accessTokenTtl, now }: CookieTransportOptions, bearer: AccessCarrier) {
  const refreshCookie: CookieSerializeOptions = { httpOnly: true, secure: cookieSecure, sameSite: 'strict', path: REFRESH_COOKIE_PATH };
  const csrfCookie: CookieSerializeOptions = { httpOnly: false, secure: cookieSecure, sameSite: 'strict', path: CSRF_COOKIE_PATH };
  const readRefreshCookie = createCredentialCookieReader(MEMORY_REFRESH_COOKIE);

  return {
    mode: 'memory',
    access: bearer,
    readRefreshToken: (request) => readRefreshCookie(request) || undefined,
    assertOwnRefresh: (request, session) => assertCsrfToken(request, session.csrfToken),
    deliver(reply, issued): MemoryModeLogin {
      const maxAge = Math.max(0, Math.floor((issued.refreshExpiresAt - now()) / 1000));
      reply.setCookie(MEMORY_REFRESH_COOKIE, issued.refreshToken, { ...refreshCookie, maxAge });
      reply.setCookie(MEMORY_CSRF_COOKIE, issued.session.csrfToken, { ...csrfCookie, maxAge });
      return {
        mode: 'memory',
        user: issued.user,
        accessToken: issued.accessToken,
        tokenType: 'Bearer',
        expiresIn: accessTokenTtl,
        csrfToken: issued.session.csrfToken,
      };
    },
    clear(reply) {
      reply.clearCookie(MEMORY_REFRESH_COOKIE, refreshCookie);
      reply.clearCookie(MEMORY_CSRF_COOKIE, csrfCookie);
    },
  } satisfies CredentialTransport;
}
