import { PrivateResponse } from '@jwt-lab/shared';
import { READS_WITH_ACCESS_TOKEN } from '../api-reference/security.js';
import { requireAuth } from '../auth/authenticate.js';
import { ACCESS_TOKEN_REFUSALS, errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { RouteContext } from './route-context.js';

export async function privateRoutes(app: App, { hooks }: RouteContext) {
  app.get(
    '/api/private',
    { preHandler: hooks.authenticate, schema: { summary: 'Data only a valid, unrevoked access token may read.', security: READS_WITH_ACCESS_TOKEN, response: { 200: PrivateResponse, ...errorResponses(...ACCESS_TOKEN_REFUSALS, 503) } } },
    async (request) => {
      const { user, claims, carrier } = requireAuth(request);
      return {
        message: `Hello, ${user.username}. This answer needed a valid access token, and yours came in ${carrier.description}.`,
        user,
        claims,
        via: carrier.via,
      };
    },
  );
}
