import { errorResponses, type App } from '../routes/route-context.js';
import type { AttackLab } from './attack-lab.js';
import { AttackLabInfo, ForeignRequestsQuery, ForeignRequestsResponse } from '@jwt-lab/shared';

/** What the page's lab asks the app: where the attacker lives, and what other sites sent here. */
export async function attackLabRoutes(app: App, { lab }: { lab: AttackLab }) {
  app.get('/api/attack-lab', { schema: { response: { 200: AttackLabInfo } } }, async () => ({ attackerPort: lab.attackerAddress()?.port ?? null }));

  app.get(
    '/api/attack-lab/foreign-requests',
    { schema: { querystring: ForeignRequestsQuery, response: { 200: ForeignRequestsResponse, ...errorResponses(400) } } },
    async (request) => {
      const { run } = request.query;
      const requests = lab.foreignRequests.list().filter((entry) => run === undefined || entry.run === run);
      return { requests: [...requests] };
    },
  );
}
