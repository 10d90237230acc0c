import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { AttackLab } from './attack-lab-handle.js';
import { AttackLabInfo, ForeignRequestsQuery, ForeignRequestsResponse } from '@jwt-lab/shared';

/** What the page's lab asks the app: where the attacker lives, and what other sites sent here. */
export async function attackLabRoutes(app: App, { lab }: { lab: AttackLab }) {
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
}
