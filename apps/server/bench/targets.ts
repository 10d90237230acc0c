import type { Credentials } from './accounts.js';
import type { LoadSpec } from './load.js';
import type { RunningServer } from './servers.js';

export type Store = 'sqlite' | 'redis';

export interface Target {
  /** `<store>-<what>`: unique over the whole run. */
  id: string;
  label: string;
  /** The process answering: its CPU time is read around every side-by-side run. */
  serverPid: number;
  load: Omit<LoadSpec, 'connections' | 'durationSec'>;
}

/** The two references every one of our targets is divided by, measured again in every store's phase. */
export function referenceTargets(store: Store, bare: RunningServer, fastifyJwt: RunningServer, referenceToken: string): [bare: Target, fastifyJwt: Target] {
  return [
    { id: `${store}-bare`, label: `bare Fastify route (reference, ${store} phase)`, serverPid: pidOf(bare), load: { url: `${bare.url}/api/private`, expectStatus: 200 } },
    {
      id: `${store}-fastify-jwt`,
      label: `@fastify/jwt, cache on (reference, ${store} phase)`,
      serverPid: pidOf(fastifyJwt),
      load: { url: `${fastifyJwt.url}/api/private`, headers: { authorization: `Bearer ${referenceToken}` }, expectStatus: 200 },
    },
  ];
}

/** The route that pays every cost of ours but authentication: what the runs alone divide by. */
export function sameCostsTarget(store: Store, sameCosts: RunningServer): Target {
  return { id: `${store}-same-costs`, label: `same-cost route, no auth (reference, ${store} phase)`, serverPid: pidOf(sameCosts), load: { url: `${sameCosts.url}/api/private`, expectStatus: 200 } };
}

/**
 * Our protected route in both modes, and the revocation path: a genuine, logged-out token that
 * must be refused after the full check (signature, claims, session lookup, error answer).
 */
export function privateRouteTargets(store: Store, server: RunningServer, credentials: Credentials): Target[] {
  const url = `${server.url}/api/private`;
  const serverPid = pidOf(server);
  return [
    { id: `${store}-header`, label: `/api/private, header mode (${store})`, serverPid, load: { url, headers: { authorization: `Bearer ${credentials.headerToken}` }, expectStatus: 200 } },
    { id: `${store}-cookie`, label: `/api/private, cookie mode (${store})`, serverPid, load: { url, headers: { cookie: credentials.accessCookie }, expectStatus: 200 } },
    {
      id: `${store}-revoked`,
      label: `revoked token -> 401 (${store})`,
      serverPid,
      load: { url, headers: { authorization: `Bearer ${credentials.revokedToken}` }, expectStatus: 401 },
    },
  ];
}

/** Successful logins only: failures would trip the login throttle and measure the 429 instead. */
export function loginTarget(server: RunningServer, credentials: Credentials): Target {
  return {
    id: 'sqlite-login',
    label: 'login, header mode (sqlite, default settings)',
    serverPid: pidOf(server),
    load: {
      url: `${server.url}/api/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials.account, mode: 'header' }),
      expectStatus: 200,
    },
  };
}

function pidOf(server: RunningServer): number {
  if (server.child.pid === undefined) throw new Error(`${server.name} has no process id`);
  return server.child.pid;
}
