import type { AccessTokenClaims, CredentialMode, CredentialVia, LoginResponse, PublicUser, TokenConfirmation, WeakenedDefence } from '@jwt-lab/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRecord } from '../stores/types.js';

/** What a login or a refresh hands to a transport to deliver. */
export interface IssuedSession {
  user: PublicUser;
  session: SessionRecord;
  accessToken: string;
  accessClaims: AccessTokenClaims;
  refreshToken: string;
  refreshExpiresAt: number;
}

/** Fields of `GET /api/auth/session` that depend on how the access token came. */
export interface SessionDetails {
  csrfToken?: string;
  weakened?: WeakenedDefence[];
}

/**
 * How an access token travels from the page to the API: the Bearer header, the access cookie, or
 * the DPoP header pair. Several strategies may share one (header and memory modes both send Bearer).
 * Each carrier owns the rules of its kind of request, so handlers never ask which one they have.
 */
export interface AccessCarrier {
  readonly via: CredentialVia;
  /** In words, for answers: "an HttpOnly cookie". */
  readonly description: string;
  /** True when the request carries an access credential of this kind (even a malformed one). */
  carries(request: FastifyRequest): boolean;
  /** The access token of the request; throws invalid_token when it is carried but malformed. */
  read(request: FastifyRequest): string;
  /**
   * Proves the request comes from whoever the token was issued to, beyond holding it: DPoP checks
   * the proof; Bearer and cookie carriers refuse a key-bound token, which is worthless without its
   * proof. Undefined when settled synchronously, so the hot path awaits nothing it need not.
   */
  verifyHolder(request: FastifyRequest, accessToken: string, claims: AccessTokenClaims): Promise<void> | undefined;
  /** "Is this request the page's own?" before a state change authenticated by this carrier (cookies: CSRF). */
  assertOwnRequest(request: FastifyRequest, session: SessionRecord): void;
  sessionDetails(session: SessionRecord): SessionDetails;
  /** Rewrites a refusal into this scheme's terms (DPoP answers with a DPoP challenge); others pass it on. */
  challenge?(error: unknown): unknown;
}

/**
 * One storage strategy on the server: how its tokens are handed out, come back and are cleared.
 * Adding a strategy is one more implementation of this, registered in transports.ts: no handler
 * asks which mode it is in.
 */
export interface CredentialTransport {
  readonly mode: CredentialMode;
  readonly access: AccessCarrier;
  /** The refresh token, when the request carries one the way this strategy sends it. */
  readRefreshToken(request: FastifyRequest): string | undefined;
  /**
   * "Is this request the page's own?" for a refresh, run before the refresh token is spent so that a
   * refused request costs the user nothing. `binding` is the refresh token's key binding (DPoP).
   */
  assertOwnRefresh(request: FastifyRequest, session: SessionRecord, binding: TokenConfirmation | undefined): void | Promise<void>;
  /** Login: the key the new tokens are bound to, for strategies that bind them (DPoP). */
  bindLogin?(request: FastifyRequest): Promise<TokenConfirmation>;
  /** Hands freshly issued tokens to the client and returns the JSON body of the answer. */
  deliver(reply: FastifyReply, issued: IssuedSession): LoginResponse;
  /** Makes the client forget its credential, where the server can. */
  clear(reply: FastifyReply): void;
  /** Set by transports that take over sessions of another mode's record (the lab's weakened cookie sessions). */
  owns?(session: SessionRecord): boolean;
}
