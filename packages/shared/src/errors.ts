import { Type, type Static } from 'typebox';

/** Every `error` code the API can answer with. Clients switch on these, never on messages. */
export const ERROR_CODES = [
  'invalid_request',
  'username_taken',
  'invalid_credentials',
  'rate_limited',
  'missing_token',
  'invalid_token',
  'token_expired',
  'token_revoked',
  'refresh_token_reused',
  'use_dpop_nonce',
  'csrf_failed',
  'invalid_link',
  'link_expired',
  'link_used',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'unsupported_media_type',
  'store_unavailable',
  'server_busy',
  'misdirected_request',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const ErrorCodeSchema = Type.Unsafe<ErrorCode>(Type.String({ enum: [...ERROR_CODES] }));

/** The one error envelope of every route, unknown routes included. */
export const ErrorResponse = Type.Object({
  error: ErrorCodeSchema,
  message: Type.String(),
});
export type ErrorResponse = Static<typeof ErrorResponse>;
