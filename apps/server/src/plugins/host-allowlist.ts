import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';
import type { AppOrigins } from '../site/app-origins.js';

/**
 * Answers only for the app's own names (PUBLIC_URL's host, ALLOWED_HOSTS, loopback names while
 * listening on loopback). A page on another name that resolves to this machine (DNS rebinding)
 * is then same-origin with nothing here: every route, the outbox included, answers it 421.
 */
async function hostAllowlist(app: FastifyInstance, { origins }: { origins: AppOrigins }) {
  app.addHook('onRequest', async (request) => {
    if (!origins.answersFor(request.hostname)) {
      throw new ApiError('misdirected_request', `This server does not answer for "${request.hostname.slice(0, 100)}".`);
    }
  });
}

export default fp(hostAllowlist, { name: 'host-allowlist', dependencies: ['error-handler'] });
