import type { ErrorCode } from '@jwt-lab/shared';

/** Status and default message of every error code: the one table handlers and the error handler share. */
export const ERROR_TABLE: Record<ErrorCode, { status: number; message: string }> = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  username_taken: { status: 409, message: 'That username is already taken.' },
  invalid_credentials: { status: 401, message: 'The username or password is wrong.' },
  rate_limited: { status: 429, message: 'Too many failed attempts. Try again later.' },
  missing_token: { status: 401, message: 'This route needs an access token.' },
  invalid_token: { status: 401, message: 'The token is not valid.' },
  token_expired: { status: 401, message: 'The token has expired.' },
  token_revoked: { status: 401, message: 'The session of this token has ended.' },
  refresh_token_reused: {
    status: 401,
    message: 'This refresh token was already used, so the session has been ended to protect it.',
  },
  use_dpop_nonce: { status: 401, message: 'Sign the DPoP proof again with the nonce in the DPoP-Nonce header.' },
  csrf_failed: { status: 403, message: 'The request failed the cross-site request forgery check.' },
  invalid_link: { status: 400, message: 'This link is not valid. Ask for a new one.' },
  link_expired: { status: 410, message: 'This link has expired. Ask for a new one.' },
  link_used: { status: 410, message: 'This link was already used. Each link works once.' },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  request_timeout: { status: 408, message: 'The request took too long to arrive.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  store_unavailable: {
    status: 503,
    message: 'The session store cannot be reached, so no token can be trusted right now. Try again shortly.',
  },
  server_busy: { status: 503, message: 'The server is busy checking passwords. Try again shortly.' },
  misdirected_request: { status: 421, message: 'This server does not answer for that host name.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
};

/** Token errors that tell the client, in RFC 6750 terms, that its bearer token is bad. */
const INVALID_TOKEN_CODES: ReadonlySet<ErrorCode> = new Set([
  'invalid_token',
  'token_expired',
  'token_revoked',
  'refresh_token_reused',
]);

/** What handlers throw; the one error handler turns it into the JSON envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_TABLE[code].message);
    this.name = 'ApiError';
    this.status = ERROR_TABLE[code].status;
    this.headers = { ...challengeFor(code), ...headers };
  }
}

function challengeFor(code: ErrorCode): Record<string, string> {
  if (code === 'missing_token') return { 'www-authenticate': 'Bearer' };
  if (INVALID_TOKEN_CODES.has(code)) return { 'www-authenticate': 'Bearer error="invalid_token"' };
  return {};
}
