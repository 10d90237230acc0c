import { CSRF_HEADER, DPOP_HEADER } from '@jwt-lab/shared';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../transports/cookie-transport.js';
import { MEMORY_REFRESH_COOKIE } from '../transports/memory-transport.js';

// How a request proves who it is, in OpenAPI terms. Routes name one of the requirements below in
// their schema (`security`); the API reference lists the schemes. A route's requirement is checked
// against what the route really does by test/openapi.test.ts (no credential → 401 missing_token).

export const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Header and memory modes: the access token from login or refresh, as `Authorization: Bearer <accessToken>`.',
  },
  dpopToken: {
    type: 'http',
    scheme: 'DPoP', // bearerFormat belongs to the bearer scheme only
    description: 'DPoP mode (RFC 9449): the key-bound access token, as `Authorization: DPoP <accessToken>`, always with `dpopProof`.',
  },
  dpopProof: {
    type: 'apiKey',
    in: 'header',
    name: DPOP_HEADER, // DPoP
    description:
      'DPoP mode: a fresh proof JWT (`typ: dpop+jwt`, ES256, the public key in `jwk`, `htm`, `htu`, `iat`, a unique `jti`, and `ath` with a token) signed by the key the tokens are bound to.',
  },
  accessCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: ACCESS_COOKIE,
    description: 'Cookie mode: the HttpOnly access cookie set by login and refresh (Path /api). Page scripts cannot read it.',
  },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER, // header names are case-insensitive: X-CSRF-Token
    description:
      'Cookie mode: the `csrfToken` from login (or /api/auth/session), required with the cookie on every request that changes state; a foreign `Origin` is refused as well (403 `csrf_failed`).',
  },
  refreshCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: REFRESH_COOKIE,
    description: 'Cookie mode: the HttpOnly refresh cookie, sent by browsers to the refresh route only (Path /api/auth/refresh).',
  },
  memoryRefreshCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: MEMORY_REFRESH_COOKIE,
    description: 'Memory mode: the HttpOnly refresh cookie (the access token lives in a JavaScript variable only), sent to the refresh route only.',
  },
} as const;

type SchemeName = keyof typeof SECURITY_SCHEMES;
type Requirement = Partial<Record<SchemeName, []>>;

/** A route that reads with the user's access token, however the strategy carries it. */
export const READS_WITH_ACCESS_TOKEN: Requirement[] = [{ bearerToken: [] }, { accessCookie: [] }, { dpopToken: [], dpopProof: [] }];

/** A route that changes state: with the cookie, the CSRF header too (a header-borne token cannot be forged cross-site). */
export const CHANGES_WITH_ACCESS_TOKEN: Requirement[] = [{ bearerToken: [] }, { accessCookie: [], csrfToken: [] }, { dpopToken: [], dpopProof: [] }];

/**
 * Refresh: header mode sends `{refreshToken}` in the body (no scheme); cookie and memory modes their
 * refresh cookie and the CSRF header; DPoP mode the body's token with a proof from the same key.
 */
export const REFRESHES_WITH_REFRESH_TOKEN: Requirement[] = [{}, { refreshCookie: [], csrfToken: [] }, { memoryRefreshCookie: [], csrfToken: [] }, { dpopProof: [] }];
