import type { AddressInfo } from 'node:net';
import type { ForeignRequest } from '@jwt-lab/shared';
import type { RecentList } from './recent-list.js';

// The running lab as the app and the lab's routes hold it. A module of its own so that the plugin
// (attack-lab.ts) and its routes (lab-routes.ts) both depend on it, not on each other.

export interface AttackLab {
  /** Starts the attacker's site on loopback. Call it once the app listens: the replay targets the app's address. */
  listen(): Promise<void>;
  /** Where the attacker's site listens (loopback), or null while it does not. */
  attackerAddress(): AddressInfo | null;
  /** Requests other sites made browsers send to the app, newest first. */
  readonly foreignRequests: RecentList<ForeignRequest>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only while ATTACK_LAB is on. */
    attackLab?: AttackLab;
  }
}
