import { HealthResponse, JwksResponse, MetricsResponse } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { RouteContext } from './route-context.js';

export async function publicRoutes(app: App, { stores, keys, tokens }: RouteContext) {
  app.get('/api/health', { schema: { summary: 'Whether this instance can reach its stores.', response: { 200: HealthResponse, ...errorResponses(503) } } }, async () => {
    try {
      await stores.ping();
    } catch {
      throw new ApiError('store_unavailable');
    }
    return { status: 'ok' as const, store: stores.kind };
  });

  app.get('/api/metrics', { schema: { summary: "Counters of this instance's verified-token cache.", response: { 200: MetricsResponse } } }, async () => ({
    verifiedTokenCache: tokens.verifiedTokenCacheStats(),
  }));

  // Public keys only; under HS256 the set is empty, because a symmetric key must never be published.
  app.get('/.well-known/jwks.json', { schema: { summary: 'The public keys that verify our tokens (empty under HS256).', response: { 200: JwksResponse } } }, async (_request, reply) => {
    // Short: after a rotation verifiers pick up the new key within a minute (and jose's remote
    // key set also refetches at once when it meets an unknown kid).
    reply.header('cache-control', 'public, max-age=60');
    return { keys: keys.publicJwks() };
  });
}
