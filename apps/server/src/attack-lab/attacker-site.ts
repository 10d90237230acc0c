import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { createDpopProofSigner } from '../tokens/dpop-proofs.js';
import errorHandler from '../plugins/error-handler.js';
import { collectorRoutes } from './collector-routes.js';
import { crossSitePage } from './cross-site-page.js';
import type { Loot } from '@jwt-lab/shared';
import type { RecentList } from './recent-list.js';
import { replayRoutes } from './replay-routes.js';
import { isLoopbackHostname, type IsAppPage } from './site-origins.js';

export interface AttackerSiteOptions {
  loot: RecentList<Loot>;
  appUrl: string;
  isAppPage: IsAppPage;
  /** Where people reach the app (its DPoP proofs' htu). */
  publicUrl: () => string;
  now: () => number;
  log: FastifyBaseLogger;
}

const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The attacker's site: a Fastify instance of its own, on its own port, sharing only the process
 * (and the in-memory loot) with the app. It never touches the app's stores or tokens: it sees the
 * app exactly as an outsider would, through HTTP.
 */
export async function buildAttackerSite({ loot, appUrl, isAppPage, publicUrl, now, log }: AttackerSiteOptions) {
  const site = Fastify({
    loggerInstance: log.child({ site: 'attacker' }),
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Exfiltration is usually a "simple" request (a text body, no preflight), so take JSON sent as text too.
  site.addContentTypeParser('text/plain', { parseAs: 'string' }, site.getDefaultJsonParser('error', 'error'));

  site.addHook('onRequest', async (request, reply) => {
    // Loot holds real tokens: a page on the internet whose name resolves to 127.0.0.1 (DNS
    // rebinding) would otherwise be same-origin with this site and read them.
    if (!isLoopbackHostname(request.hostname)) throw new ApiError('invalid_request', `The attacker's site answers on loopback names only.`);
    const origin = request.headers.origin;
    if (origin === undefined) return; // not a page: a test or a command on this machine
    if (isAppPage(origin)) return void reply.header('access-control-allow-origin', origin).header('vary', 'origin');
    // Another page (any site the victim's browser has open) must not feed or drive the collector.
    if (request.method === 'POST') throw new ApiError('csrf_failed', `Only the JWT Lab page may use the attacker's collector and replay.`);
  });
  // Preflights: the lab's page may send JSON; other pages get no permission.
  site.options('/*', async (_request, reply) => {
    if (!reply.hasHeader('access-control-allow-origin')) return reply.status(204).send();
    return reply
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .status(204)
      .send();
  });

  await site.register(errorHandler);
  await site.register(collectorRoutes, { loot, now });
  await site.register(replayRoutes, { loot, appUrl, publicUrl, attackerKey: await createDpopProofSigner() });
  await site.register(crossSitePage, { isAppPage });
  return site;
}

export type AttackerSite = Awaited<ReturnType<typeof buildAttackerSite>>;
