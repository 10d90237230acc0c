import type { CredentialMode } from '@jwt-lab/shared';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { assertCsrfToken } from '../transports/csrf.js';
import type { Transports } from '../transports/transports.js';
import type { Authenticated, SessionService } from './session-service.js';

export interface RequestAuth extends Authenticated {
  /** How the access token travelled to us. */
  via: CredentialMode;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

/**
 * preHandler hooks that routes attach explicitly (never "everything under /api is protected"):
 * `authenticate` for any route that needs a user, plus `verifyCsrf` for those that change state.
 */
export function createAuthHooks({ sessions, transports }: { sessions: SessionService; transports: Transports }) {
  return {
    async authenticate(request: FastifyRequest): Promise<void> {
      const transport = transports.carryingAccessToken(request);
      if (!transport) throw new ApiError('missing_token');
      const { user, session, claims } = await sessions.authenticate(transport.readAccessToken(request));
      // Spelled out, not `{ ...authenticated, via }`: on Node 20 a spread followed by a new key
      // takes V8's slow path, which cost more than the rest of this hook (docs/performance.md).
      request.auth = { user, session, claims, via: transport.mode };
    },

    /** Cookies ride along on requests a foreign page triggers; headers set by our script don't. */
    async verifyCsrf(request: FastifyRequest): Promise<void> {
      const auth = requireAuth(request);
      if (auth.via === 'cookie') assertCsrfToken(request, auth.session.csrfToken);
    },
  };
}

export type AuthHooks = ReturnType<typeof createAuthHooks>;

/** The authenticated user of a route that attached `authenticate`. */
export function requireAuth(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new Error('route is missing the authenticate hook');
  return request.auth;
}
