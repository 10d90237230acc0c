import { CSRF_HEADER } from '@jwt-lab/shared';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../transports/cookie-transport.js';

// How a request proves who it is, in OpenAPI terms. Routes name one of the requirements below in
// their schema (`security`); the API reference lists the schemes. A route's requirement is checked
// against what the route really does by test/openapi.test.ts (no credential → 401 missing_token).

export const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Header mode: the access token from login or refresh, as `Authorization: Bearer <accessToken>`.',
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
} as const;

type SchemeName = keyof typeof SECURITY_SCHEMES;
type Requirement = Partial<Record<SchemeName, []>>;

/** A route that reads with the user's access token, carried either way. */
export const READS_WITH_ACCESS_TOKEN: Requirement[] = [{ bearerToken: [] }, { accessCookie: [] }];

/** A route that changes state: with the cookie, the CSRF header too. */
export const CHANGES_WITH_ACCESS_TOKEN: Requirement[] = [{ bearerToken: [] }, { accessCookie: [], csrfToken: [] }];

/** Refresh: header mode sends `{refreshToken}` in the body (no scheme); cookie mode the refresh cookie and the CSRF header. */
export const REFRESHES_WITH_REFRESH_TOKEN: Requirement[] = [{}, { refreshCookie: [], csrfToken: [] }];
