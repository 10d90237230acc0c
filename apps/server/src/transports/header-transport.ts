import type { HeaderModeLogin } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import { refuseKeyBoundToken } from './challenges.js';
import type { AccessCarrier, CredentialTransport } from './transport.js';

// RFC 6750 b64token; the scheme name is case-insensitive (RFC 9110).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * `Authorization: Bearer <token>`, how header and memory modes send their access token. It reads
 * any Authorization header that is not DPoP's (the registry asks the DPoP carrier first), so that a
 * malformed one answers invalid_token rather than missing_token.
 */
export function createBearerCarrier() {
  return {
    via: 'header',
    description: 'the Authorization header',
    carries: (request) => request.headers.authorization !== undefined,
    read(request) {
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (!match) throw new ApiError('invalid_token', 'Send the access token as "Authorization: Bearer <token>".');
      return match[1]!;
    },
    verifyHolder: refuseKeyBoundToken,
    // A foreign page cannot make a browser add an Authorization header: there is nothing to forge.
    assertOwnRequest: () => {},
    sessionDetails: () => ({}),
  } satisfies AccessCarrier;
}

/** Header mode: tokens in the JSON body, sent back as `Authorization: Bearer`; refresh token in the body. */
export function createHeaderTransport({ accessTokenTtl, bearer }: { accessTokenTtl: number; bearer: AccessCarrier }) {
  return {
    mode: 'header',
    access: bearer,
    readRefreshToken: (request) => (request.body as { refreshToken?: string } | undefined)?.refreshToken,
    // The refresh token itself is in the body, which no other site can make a browser send.
    assertOwnRefresh: () => {},
    deliver: (_reply, issued): HeaderModeLogin => ({
      mode: 'header',
      user: issued.user,
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      tokenType: 'Bearer',
      expiresIn: accessTokenTtl,
    }),
    // The page holds the tokens; revoking the session server-side is what makes them useless.
    clear: () => {},
  } satisfies CredentialTransport;
}
