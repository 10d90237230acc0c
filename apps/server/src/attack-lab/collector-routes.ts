import { ApiError } from '../errors/api-error.js';
import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import { Loot, LootIdParams, LootResponse, LootSubmission } from '@jwt-lab/shared';
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

  // One record, so that evidence can point at exactly what arrived rather than at the whole list.
  site.get(
    '/loot/:id',
    { schema: { params: LootIdParams, response: { 200: Loot, ...errorResponses('invalid_request', 'not_found') } } },
    async (request) => {
      const id = Number(request.params.id);
      const item = loot.list().find((candidate) => candidate.id === id);
      if (!item) throw new ApiError('not_found', `The collector holds no record #${id} (it keeps only the most recent, in memory).`);
      return item;
    },
  );
}
