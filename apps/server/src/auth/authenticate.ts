import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { AccessCarrier } from '../transports/transport.js';
import type { Transports } from '../transports/transports.js';
import type { Authenticated, SessionService } from './session-service.js';

export interface RequestAuth extends Authenticated {
  /** The carrier that brought the access token (its `via` says how), which owns the rules of such requests (CSRF for cookies). */
  carrier: AccessCarrier;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

/**
 * preHandler hooks that routes attach explicitly (never "everything under /api is protected"):
 * `authenticate` for any route that needs a user, plus `verifyOwnRequest` for those that change state.
 */
export function createAuthHooks({ sessions, transports }: { sessions: SessionService; transports: Transports }) {
  /** The carrier's rule for state changes: cookies ride along on requests a foreign page triggers, headers set by our script don't. */
  async function verifyOwnRequest(request: FastifyRequest): Promise<void> {
    const auth = requireAuth(request);
    auth.carrier.assertOwnRequest(request, auth.session);
  }

  return {
    async authenticate(request: FastifyRequest): Promise<void> {
      const carrier = transports.carryingAccessToken(request);
      if (!carrier) throw new ApiError('missing_token');
      try {
        const accessToken = carrier.read(request);
        const { user, session, claims } = await sessions.authenticate(accessToken);
        const holderCheck = carrier.verifyHolder(request, accessToken, claims);
        if (holderCheck !== undefined) await holderCheck;
        // Spelled out, not `{ ...authenticated, via }`: on Node 20 a spread followed by a new key
        // takes V8's slow path, which cost more than the rest of this hook (docs/performance.md).
        request.auth = { user, session, claims, carrier };
      } catch (error) {
        throw carrier.challenge === undefined ? error : carrier.challenge(error);
      }
    },

    verifyOwnRequest,
  };
}

export type AuthHooks = ReturnType<typeof createAuthHooks>;

/** The authenticated user of a route that attached `authenticate`. */
export function requireAuth(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new Error('route is missing the authenticate hook');
  return request.auth;
}
