import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import { Loot, LootResponse, LootSubmission } from '@jwt-lab/shared';
import type { RecentList } from './recent-list.js';

export interface CollectorOptions {
  loot: RecentList<Loot>;
  now: () => number;
}

/**
 * The attacker's collector: an injected script sends home what it found, and anyone on this
 * machine (the lab's page, a test) can read back exactly what arrived.
 */
export async function collectorRoutes(site: App, { loot, now }: CollectorOptions) {
  let nextId = 1;

  site.post(
    '/collect',
    { schema: { body: LootSubmission, response: { 201: Loot, ...errorResponses('invalid_request', 413, 415) } } },
    async (request, reply) => {
      const item: Loot = {
        id: nextId++,
        at: new Date(now()).toISOString(),
        from: request.headers.origin ?? null,
        kind: request.body.kind,
        data: request.body.data,
      };
      loot.add(item);
      return reply.status(201).send(item);
    },
  );

  site.get('/loot', { schema: { response: { 200: LootResponse } } }, async () => ({ loot: [...loot.list()] }));
}
