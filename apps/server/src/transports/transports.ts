import type { CredentialMode } from '@jwt-lab/shared';
import type { FastifyRequest } from 'fastify';
import { createCookieTransport, type CookieTransportOptions } from './cookie-transport.js';
import { createHeaderTransport } from './header-transport.js';
import type { CredentialTransport } from './transport.js';

export function createTransports(options: CookieTransportOptions) {
  const header = createHeaderTransport(options);
  const cookie = createCookieTransport(options);
  const byMode: Record<CredentialMode, CredentialTransport> = { header, cookie };
  return {
    byMode: (mode: CredentialMode) => byMode[mode],
    /** The transport whose access credential the request carries; the header wins over a cookie. */
    carryingAccessToken: (request: FastifyRequest): CredentialTransport | undefined =>
      [header, cookie].find((transport) => transport.carriesAccessToken(request)),
    /** The transport of the refresh token: the body (header mode) wins over the cookie. */
    carryingRefreshToken: (request: FastifyRequest): CredentialTransport | undefined =>
      [header, cookie].find((transport) => transport.readRefreshToken(request) !== undefined),
  };
}

export type Transports = ReturnType<typeof createTransports>;
