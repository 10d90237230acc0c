import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { AttackLab } from './attack-lab-handle.js';
import { AttackLabInfo, ForeignRequestsQuery, ForeignRequestsResponse, WeakenedLoginRequest, WeakenedLoginResponse } from '@jwt-lab/shared';
import type { SessionService } from '../auth/session-service.js';
import { ApiError } from '../errors/api-error.js';
import { assertSameOrigin } from '../transports/csrf.js';
import type { DeviceCookie } from '../transports/device-cookie.js';
import type { WeakenedSessions } from './weakened-sessions.js';

export interface AttackLabRouteOptions {
  lab: AttackLab;
  sessions: SessionService;
  weakenedSessions: WeakenedSessions;
  deviceCookie: DeviceCookie;
}

/**
 * What the page's lab asks the app: where the attacker lives, what other sites sent here, and a
 * cookie-mode login with some defences switched off on purpose (only this session loses them).
 */
export async function attackLabRoutes(app: App, { lab, sessions, weakenedSessions, deviceCookie }: AttackLabRouteOptions) {
  app.get('/api/attack-lab', { schema: { summary: "Where the attacker's site listens (attack lab only).", response: { 200: AttackLabInfo } } }, async () => ({ attackerPort: lab.attackerAddress()?.port ?? null }));

  app.get(
    '/api/attack-lab/foreign-requests',
    { schema: { summary: 'Requests other sites made browsers send here (attack lab only).', querystring: ForeignRequestsQuery, response: { 200: ForeignRequestsResponse, ...errorResponses('invalid_request') } } },
    async (request) => {
      const { run } = request.query;
      const requests = lab.foreignRequests.list().filter((entry) => run === undefined || entry.run === run);
      return { requests: [...requests] };
    },
  );

  app.post(
    '/api/attack-lab/weakened-login',
    {
      schema: {
        summary: 'A cookie-mode login with chosen defences switched off, for this session only (attack lab only).',
        body: WeakenedLoginRequest,
        // A login like any other: it waits in the hash queue too (503 server_busy).
        response: { 200: WeakenedLoginResponse, ...errorResponses('invalid_request', 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      // The same login CSRF rule as every login: the lab weakens the session, not the login.
      assertSameOrigin(request);
      const { username, password, weaken } = request.body;
      if (weaken.includes('samesite-lax') && weaken.includes('samesite-none')) {
        throw new ApiError('invalid_request', 'Pick one SameSite value to relax to: samesite-lax or samesite-none.');
      }
      const { issued, device } = await sessions.login(username, password, 'cookie', deviceCookie.loginClient(request, username));
      deviceCookie.set(reply, username, device);
      weakenedSessions.weaken(issued.session.id, weaken);
      return { ...weakenedSessions.transport.deliver(reply, issued), weakened: [...weaken] };
    },
  );
}
