import type { CredentialMode, LoginResponse } from '@jwt-lab/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IssuedSession } from '../auth/session-service.js';

/**
 * How a credential travels between the page and the API. The two storage modes are two
 * implementations of this, so handlers never ask which mode they are in.
 */
export interface CredentialTransport {
  readonly mode: CredentialMode;
  /** True when the request carries an access credential of this kind (even a malformed one). */
  carriesAccessToken(request: FastifyRequest): boolean;
  /** The access token of the request; throws invalid_token when it is carried but malformed. */
  readAccessToken(request: FastifyRequest): string;
  readRefreshToken(request: FastifyRequest): string | undefined;
  /** Hands freshly issued tokens to the client and returns the JSON body of the answer. */
  deliver(reply: FastifyReply, issued: IssuedSession): LoginResponse;
  /** Makes the client forget its credential, where the server can. */
  clear(reply: FastifyReply): void;
}
