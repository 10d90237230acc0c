import type { HeaderModeLogin } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import type { CredentialTransport } from './transport.js';

// RFC 6750 b64token; the scheme name is case-insensitive (RFC 9110).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Header mode: tokens in the JSON body, sent back as `Authorization: Bearer`; refresh token in the body. */
export function createHeaderTransport({ accessTokenTtl }: { accessTokenTtl: number }) {
  return {
    mode: 'header',
    carriesAccessToken: (request) => request.headers.authorization !== undefined,
    readAccessToken(request) {
      const match = BEARER.exec(request.headers.authorization ?? '');
      if (!match) throw new ApiError('invalid_token', 'Send the access token as "Authorization: Bearer <token>".');
      return match[1]!;
    },
    readRefreshToken: (request) => (request.body as { refreshToken?: string } | undefined)?.refreshToken,
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
