import { PrivateResponse } from '@jwt-lab/shared';
import { requireAuth } from '../auth/authenticate.js';
import { errorResponses, type App, type RouteContext } from './route-context.js';

export async function privateRoutes(app: App, { hooks }: RouteContext) {
  app.get(
    '/api/private',
    { preHandler: hooks.authenticate, schema: { response: { 200: PrivateResponse, ...errorResponses(401, 503) } } },
    async (request) => {
      const { user, claims, via, carrier } = requireAuth(request);
      return {
        message: `Hello, ${user.username}. This answer needed a valid access token, and yours came in ${carrier.description}.`,
        user,
        claims,
        via,
      };
    },
  );
}
