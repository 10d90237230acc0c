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
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: EMAIL_PATTERN, description: 'an email address' });

export const CredentialMode = Type.Union([Type.Literal('header'), Type.Literal('cookie')]);
export type CredentialMode = Static<typeof CredentialMode>;

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

/** Header mode: the tokens are in the body, for the page to keep and send as `Authorization: Bearer`. */
export const HeaderModeLogin = Type.Object({
  mode: Type.Literal('header'),
  user: PublicUser,
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
});
export type HeaderModeLogin = Static<typeof HeaderModeLogin>;

/** Cookie mode: no token in the body; they travel as HttpOnly cookies. */
export const CookieModeLogin = Type.Object({
  mode: Type.Literal('cookie'),
  user: PublicUser,
  expiresIn: Type.Integer(),
  csrfToken: Type.String(),
});
export type CookieModeLogin = Static<typeof CookieModeLogin>;

/** The answer of login and of refresh. */
export const LoginResponse = Type.Union([HeaderModeLogin, CookieModeLogin]);
export type LoginResponse = Static<typeof LoginResponse>;

/** Header mode sends `refreshToken`; cookie mode sends `{}` (or nothing) and the refresh cookie. */
export const RefreshRequest = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })) },
  { additionalProperties: false },
);
export type RefreshRequest = Static<typeof RefreshRequest>;

export const SessionResponse = Type.Object({
  user: PublicUser,
  mode: CredentialMode,
  /** When the access token presented expires (ISO 8601). */
  expiresAt: Type.String({ format: 'date-time' }),
  csrfToken: Type.Optional(Type.String()),
});
export type SessionResponse = Static<typeof SessionResponse>;

export const PrivateResponse = Type.Object({
  message: Type.String(),
  user: PublicUser,
  claims: AccessTokenClaims,
  via: CredentialMode,
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
  store: Type.Union([Type.Literal('sqlite'), Type.Literal('redis'), Type.Literal('postgres'), Type.Literal('postgres+redis')]),
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

export const LinkToken = Type.String({ minLength: 1, maxLength: 4096 });

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
