import { SessionIdParams, SessionListResponse, type SessionSummary } from '@jwt-lab/shared';
import { Type } from 'typebox';
import { CHANGES_WITH_ACCESS_TOKEN, READS_WITH_ACCESS_TOKEN } from '../api-reference/security.js';
import { requireAuth } from '../auth/authenticate.js';
import { ACCESS_TOKEN_REFUSALS, errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { SessionRecord } from '../stores/types.js';
import type { RouteContext } from './route-context.js';

const NoContent = Type.Null();
const isoTime = (ms: number) => new Date(ms).toISOString();

function toSummary(session: SessionRecord, currentId: string): SessionSummary {
  return {
    id: session.id,
    current: session.id === currentId,
    mode: session.mode,
    createdAt: isoTime(session.createdAt),
    lastUsedAt: isoTime(session.lastUsedAt),
    expiresAt: isoTime(session.expiresAt),
    userAgent: session.device,
    ip: session.ip,
  };
}

/** Sessions a user can see: list them, and end one (any device, this one included). */
export async function sessionRoutes(app: App, { sessions, transports, hooks }: RouteContext) {
  app.get(
    '/api/auth/sessions',
    {
      preHandler: hooks.authenticate,
      schema: {
        summary: "The user's live sessions, newest first, the one of this credential marked current.",
        security: READS_WITH_ACCESS_TOKEN,
        response: { 200: SessionListResponse, ...errorResponses(...ACCESS_TOKEN_REFUSALS, 503) },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      const live = await sessions.listSessions(auth.user.id);
      return { sessions: live.map((session) => toSummary(session, auth.session.id)) };
    },
  );

  // State-changing: the same hooks as logout (cookie mode needs the CSRF token and our Origin).
  app.delete(
    '/api/auth/sessions/:id',
    {
      preHandler: [hooks.authenticate, hooks.verifyOwnRequest],
      schema: {
        summary: "End one of the user's sessions at once, on every instance (this one's too: that is a logout).",
        security: CHANGES_WITH_ACCESS_TOKEN,
        params: SessionIdParams,
        response: { 204: NoContent, ...errorResponses('invalid_request', ...ACCESS_TOKEN_REFUSALS, 403, 'not_found', 503) },
      },
    },
    async (request, reply) => {
      const auth = requireAuth(request);
      await sessions.revokeSession(auth.user.id, request.params.id);
      // Ending the session this request came from is a logout: the cookies go too.
      if (request.params.id === auth.session.id) transports.owning(auth.session).clear(reply);
      return reply.status(204).send(null);
    },
  );
}
