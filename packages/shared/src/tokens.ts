import { Type, type Static } from 'typebox';

/** The `typ` header of access tokens (RFC 9068) and of refresh tokens, which must never be swapped. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';

/** Single-use links (email verification, password reset) carry their own type and audience. */
export const LINK_TOKEN_TYPE = 'link+jwt';
export const LINK_AUDIENCE = 'jwt-lab-links';
export const LINK_PURPOSES = ['verify-email', 'password-reset'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

export const JWT_ALGORITHMS = ['HS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** DPoP proofs (RFC 9449): their `typ`, and the algorithms the server accepts for them (asymmetric only). */
export const DPOP_PROOF_TYPE = 'dpop+jwt';
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'EdDSA'] as const;

/** RFC 7800 confirmation: the RFC 7638 SHA-256 thumbprint of the key a DPoP-bound token belongs to. */
export const TokenConfirmation = Type.Object({ jkt: Type.String() });
export type TokenConfirmation = Static<typeof TokenConfirmation>;

/** Claims of an access token; nothing secret travels in them. */
export const AccessTokenClaims = Type.Object({
  iss: Type.String(),
  aud: Type.Union([Type.String(), Type.Array(Type.String())]),
  sub: Type.String(),
  iat: Type.Integer(),
  exp: Type.Integer(),
  jti: Type.String(),
  sid: Type.String(),
  /** DPoP mode only: the key the token is bound to. */
  cnf: Type.Optional(TokenConfirmation),
});
export type AccessTokenClaims = Static<typeof AccessTokenClaims>;

/** The header of an access token as the inspector shows it. */
export const AccessTokenHeader = Type.Object({
  alg: Type.String(),
  typ: Type.String(),
  kid: Type.Optional(Type.String()),
});
export type AccessTokenHeader = Static<typeof AccessTokenHeader>;
