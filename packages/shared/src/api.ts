import { Type, type Static } from 'typebox';
import { AccessTokenClaims } from './tokens.js';

// Request and response bodies of every route of the HTTP API (the README's API table; the running app
// serves them as an OpenAPI document at /api/openapi.json).
// The server validates and serialises with them; the web client parses every answer with them.

export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]+$';

export const Username = Type.String({
  minLength: 3,
  maxLength: 64,
  pattern: USERNAME_PATTERN,
  description: '3 to 64 letters, digits, _, . or -',
});
export const Password = Type.String({ minLength: 8, maxLength: 256 });

/** A deliberately plain address check: one @, no spaces, a dot in the domain. The link proves the rest. */
const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: EMAIL_PATTERN, description: 'an email address' });

/**
 * The storage strategies the server knows (CONTRACT.md, "The two modes"): `header` (tokens in the
 * body, sent as Bearer; the page keeps them in localStorage or sessionStorage), `cookie` (HttpOnly
 * cookies + CSRF token), `memory` (access token in the body, refresh token in an HttpOnly cookie),
 * `dpop` (both tokens bound to a key the page holds, RFC 9449).
 */
export const CredentialMode = Type.Enum(['header', 'cookie', 'memory', 'dpop']);
export type CredentialMode = Static<typeof CredentialMode>;

/**
 * How an access token travelled to the API (`via` of /api/private): the Authorization header as
 * Bearer (header and memory modes), the HttpOnly access cookie, or `Authorization: DPoP` with a proof.
 */
export const CredentialVia = Type.Enum(['header', 'cookie', 'dpop']);
export type CredentialVia = Static<typeof CredentialVia>;

export const PublicUser = Type.Object({ id: Type.String(), username: Type.String() });
export type PublicUser = Static<typeof PublicUser>;

export const RegisterRequest = Type.Object(
  { username: Username, password: Password, email: Type.Optional(Email) },
  { additionalProperties: false },
);
export type RegisterRequest = Static<typeof RegisterRequest>;

export const RegisterResponse = Type.Object({ user: PublicUser });
export type RegisterResponse = Static<typeof RegisterResponse>;

export const LoginRequest = Type.Object(
  { username: Username, password: Password, mode: CredentialMode },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

// The answer of login and refresh, one shape per mode: every one names the user and how long the
// access token lasts; the modes differ in which tokens the body carries and how they are sent back.
const EveryLogin = { user: PublicUser, expiresIn: Type.Integer() };
const AccessToken = <T extends 'Bearer' | 'DPoP'>(tokenType: T) => ({ accessToken: Type.String(), tokenType: Type.Literal(tokenType) });

/** Header mode: the tokens are in the body, for the page to keep and send as `Authorization: Bearer`. */
export const HeaderModeLogin = Type.Object({ mode: Type.Literal('header'), ...EveryLogin, ...AccessToken('Bearer'), refreshToken: Type.String() });
export type HeaderModeLogin = Static<typeof HeaderModeLogin>;

/** Cookie mode: no token in the body; they travel as HttpOnly cookies. */
export const CookieModeLogin = Type.Object({ mode: Type.Literal('cookie'), ...EveryLogin, csrfToken: Type.String() });
export type CookieModeLogin = Static<typeof CookieModeLogin>;

/**
 * Memory mode: the access token in the body (the page keeps it in a JavaScript variable only); the
 * refresh token only in the HttpOnly refresh cookie. The CSRF token is also set as a readable,
 * SameSite=Strict cookie (MEMORY_CSRF_COOKIE) so that the page can prove a refresh after a reload
 * is its own (docs/decisions/012-memory-mode-refresh-after-reload.md).
 */
export const MemoryModeLogin = Type.Object({ mode: Type.Literal('memory'), ...EveryLogin, ...AccessToken('Bearer'), csrfToken: Type.String() });
export type MemoryModeLogin = Static<typeof MemoryModeLogin>;

/**
 * DPoP mode (RFC 9449): both tokens in the body, bound to the key of the login's DPoP proof
 * (`cnf.jkt`); every request sends `Authorization: DPoP <accessToken>` and a fresh proof.
 */
export const DpopModeLogin = Type.Object({ mode: Type.Literal('dpop'), ...EveryLogin, ...AccessToken('DPoP'), refreshToken: Type.String() });
export type DpopModeLogin = Static<typeof DpopModeLogin>;

/** The answer of login and of refresh. */
export const LoginResponse = Type.Union([HeaderModeLogin, CookieModeLogin, MemoryModeLogin, DpopModeLogin]);
export type LoginResponse = Static<typeof LoginResponse>;

/**
 * Header and DPoP modes send `refreshToken` (DPoP: with a proof from the same key); cookie and
 * memory modes send `{}` (or nothing), the refresh cookie and X-CSRF-Token.
 */
export const RefreshRequest = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })) },
  { additionalProperties: false },
);
export type RefreshRequest = Static<typeof RefreshRequest>;

/**
 * Defences a lab-only session has switched off on purpose (attack lab, "defences off"): its cookies'
 * SameSite relaxed to Lax or None, no X-CSRF-Token check, no Origin check. Such sessions exist only
 * while ATTACK_LAB is on; every other session keeps every defence.
 */
export const WeakenedDefence = Type.Enum(['samesite-lax', 'samesite-none', 'no-csrf-token', 'no-origin-check']);
export type WeakenedDefence = Static<typeof WeakenedDefence>;

export const SessionResponse = Type.Object({
  user: PublicUser,
  /** The session's storage strategy (the mode it logged in with). */
  mode: CredentialMode,
  /** When the access token presented expires (ISO 8601). */
  expiresAt: Type.String({ format: 'date-time' }),
  /** When the access token came in a cookie: the session's CSRF token, so a reloaded page can recover it. */
  csrfToken: Type.Optional(Type.String()),
  /** Lab sessions only: the defences this session was created without. */
  weakened: Type.Optional(Type.Array(WeakenedDefence)),
});
export type SessionResponse = Static<typeof SessionResponse>;

export const PrivateResponse = Type.Object({
  message: Type.String(),
  user: PublicUser,
  claims: AccessTokenClaims,
  via: CredentialVia,
});
export type PrivateResponse = Static<typeof PrivateResponse>;

/** One of the user's live sessions, as GET /api/auth/sessions lists it. Times are ISO 8601. */
export const SessionSummary = Type.Object({
  id: Type.String(),
  /** The session of the credential that asked. */
  current: Type.Boolean(),
  mode: CredentialMode,
  createdAt: Type.String({ format: 'date-time' }),
  /** When a token of the session was last accepted, to the minute. */
  lastUsedAt: Type.String({ format: 'date-time' }),
  /** When its refresh token expires, unless it is refreshed or revoked before. */
  expiresAt: Type.String({ format: 'date-time' }),
  /** A short description of the device from the login's User-Agent, e.g. "Firefox on Linux". */
  userAgent: Type.String(),
  /** The client address the login came from. */
  ip: Type.String(),
});
export type SessionSummary = Static<typeof SessionSummary>;

/** The user's live sessions, newest first. */
export const SessionListResponse = Type.Object({ sessions: Type.Array(SessionSummary) });
export type SessionListResponse = Static<typeof SessionListResponse>;

export const SessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
export type SessionIdParams = Static<typeof SessionIdParams>;

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  /** The engines in use. */
  store: Type.Enum(['sqlite', 'redis', 'postgres', 'postgres+redis']),
});
export type HealthResponse = Static<typeof HealthResponse>;

/** A public JSON Web Key as published at /.well-known/jwks.json. */
export const PublicJwk = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.Literal('sig'),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type PublicJwk = Static<typeof PublicJwk>;

export const JwksResponse = Type.Object({ keys: Type.Array(PublicJwk) });
export type JwksResponse = Static<typeof JwksResponse>;

// Single-use links: email verification and password reset.

/** Asking for a link: the answer is the same whether or not an account has that address. */
export const LinkRequest = Type.Object({ email: Email }, { additionalProperties: false });
export type LinkRequest = Static<typeof LinkRequest>;

export const LinkRequestAccepted = Type.Object({ message: Type.String() });
export type LinkRequestAccepted = Static<typeof LinkRequestAccepted>;

const LinkToken = Type.String({ minLength: 1, maxLength: 4096 });

export const VerifyEmailRequest = Type.Object({ token: LinkToken }, { additionalProperties: false });
export type VerifyEmailRequest = Static<typeof VerifyEmailRequest>;

export const VerifyEmailResponse = Type.Object({ user: PublicUser, email: Type.String(), message: Type.String() });
export type VerifyEmailResponse = Static<typeof VerifyEmailResponse>;

export const PasswordResetRequest = Type.Object({ token: LinkToken, password: Password }, { additionalProperties: false });
export type PasswordResetRequest = Static<typeof PasswordResetRequest>;

export const PasswordResetResponse = Type.Object({
  user: PublicUser,
  /** How many sessions the reset ended (every session of the user). */
  sessionsRevoked: Type.Integer(),
  message: Type.String(),
});
export type PasswordResetResponse = Static<typeof PasswordResetResponse>;

/** A message in the local outbox that stands in for email. */
export const OutboxMessage = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  link: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
});
export type OutboxMessage = Static<typeof OutboxMessage>;

/** `enabled: false` (and no messages) when OUTBOX_PAGE is off: the page then shows no Outbox. */
export const OutboxResponse = Type.Object({ enabled: Type.Boolean(), messages: Type.Array(OutboxMessage) });
export type OutboxResponse = Static<typeof OutboxResponse>;

/** Counters an operator (or the benchmark) reads; nothing secret. */
export const MetricsResponse = Type.Object({
  verifiedTokenCache: Type.Object({
    hits: Type.Integer(),
    misses: Type.Integer(),
    size: Type.Integer(),
    capacity: Type.Integer(),
  }),
});
export type MetricsResponse = Static<typeof MetricsResponse>;

/** Header names both sides agree on. */
export const CSRF_HEADER = 'x-csrf-token';
/** RFC 9449: the proof header, and the header of a server-provided nonce. */
export const DPOP_HEADER = 'dpop';
export const DPOP_NONCE_HEADER = 'dpop-nonce';

/**
 * Memory mode's readable CSRF cookie (not HttpOnly, SameSite=Strict, Path=/): after a reload the
 * page reads it from document.cookie and echoes it in X-CSRF-Token. A cross-site page cannot read
 * it; a script in the page can, which is the lesson (docs/decisions/012).
 */
export const MEMORY_CSRF_COOKIE = 'jwtlab_memory_csrf';
