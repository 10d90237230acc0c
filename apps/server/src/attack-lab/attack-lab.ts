import type { AddressInfo } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SessionService } from '../auth/session-service.js';
import { ConfigError } from '../config/config.js';
import { CsrfError } from '../transports/csrf.js';
import { buildAttackerSite, type AttackerSite } from './attacker-site.js';
import { describeForeignRequest, isForeignRequest } from './foreign-requests.js';
import type { ForeignRequest, Loot } from '@jwt-lab/shared';
import type { AttackLab } from './attack-lab-handle.js';
import { attackLabRoutes } from './lab-routes.js';
import { createRecentList } from './recent-list.js';
import { ATTACKER_BIND_HOST, type IsAppPage } from './site-origins.js';
import type { DeviceCookie } from '../transports/device-cookie.js';
import type { WeakenedSessions } from './weakened-sessions.js';

export interface AttackLabOptions {
  /** 0 picks a free port. */
  attackerPort: number;
  /** The app's own page origins: the only pages that may use the attacker's site. */
  isAppPage: IsAppPage;
  /** Where people reach the app: the attacker's DPoP proofs name it, as a real attacker's would. */
  publicUrl: () => string;
  now: () => number;
  sessions: SessionService;
  /** The lab-only cookie sessions with defences off; the app registers their transport too. */
  weakenedSessions: WeakenedSessions;
  deviceCookie: DeviceCookie;
}

const FOREIGN_REQUESTS_KEPT = 50;
const LOOT_KEPT = 20;

/**
 * The attack lab, registered only while ATTACK_LAB is on: it records what other sites send to the
 * app, serves the lab's two routes, and owns the attacker's site (started by `listen`, closed with the app).
 */
async function attackLabPlugin(app: FastifyInstance, { attackerPort, isAppPage, publicUrl, now, sessions, weakenedSessions, deviceCookie }: AttackLabOptions) {
  const foreignRequests = createRecentList<ForeignRequest>(FOREIGN_REQUESTS_KEPT);
  // Which CSRF check refused a request: the status alone cannot tell once a lab session lacks the Origin check.
  const csrfRefusals = new WeakMap<object, CsrfError['check']>();
  const loot = createRecentList<Loot>(LOOT_KEPT);
  let site: AttackerSite | null = null;
  let nextSeq = 1;

  const lab: AttackLab = {
    foreignRequests,
    attackerAddress: () => (site?.server.listening ? (site.server.address() as AddressInfo) : null),
    async listen() {
      if (site) return;
      const starting = await buildAttackerSite({ loot, appUrl: appUrlOf(app.server.address()), isAppPage, publicUrl, now, log: app.log });
      try {
        await starting.listen({ port: attackerPort, host: ATTACKER_BIND_HOST });
      } catch (error) {
        await starting.close();
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new ConfigError('ATTACKER_PORT', `${attackerPort} is already in use; set ATTACKER_PORT to a free port or 0, or turn the lab off with ATTACK_LAB=false`);
        }
        throw error;
      }
      site = starting;
      const port = lab.attackerAddress()?.port;
      app.log.info({ attackerPort: port }, `Attack lab: the attacker's site is at http://${ATTACKER_BIND_HOST}:${port} (loopback only; ATTACK_LAB=false turns it off)`);
    },
  };

  app.decorate('attackLab', lab);
  app.addHook('onClose', async () => {
    await site?.close();
    site = null;
  });
  app.addHook('onError', (request, _reply, error, done) => {
    if (error instanceof CsrfError) csrfRefusals.set(request, error.check);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (isForeignRequest(request)) foreignRequests.add(describeForeignRequest(request, reply, nextSeq++, now(), csrfRefusals.get(request)));
    done();
  });
  await app.withTypeProvider<TypeBoxTypeProvider>().register(attackLabRoutes, { lab, sessions, weakenedSessions, deviceCookie });
}

/** Where the attacker's server reaches the app: its own listening address, loopback for a wildcard one. */
function appUrlOf(address: string | AddressInfo | null): string {
  if (address === null || typeof address === 'string') throw new Error('the app must listen on a TCP port before the attack lab starts');
  if (address.address === '0.0.0.0' || address.address === '::') return `http://127.0.0.1:${address.port}`;
  return address.family === 'IPv6' ? `http://[${address.address}]:${address.port}` : `http://${address.address}:${address.port}`;
}

export default fp(attackLabPlugin, { name: 'attack-lab', dependencies: ['error-handler'] });
