import type { Credentials } from './accounts.js';
import type { LoadSpec } from './load.js';

/** The two references every one of our targets is divided by. */
export const BARE = 'bare';
export const FASTIFY_JWT = 'fastify-jwt';

export type Store = 'sqlite' | 'redis';

export interface Target {
  /** `<store>-<what>`: unique over the whole run. */
  id: string;
  label: string;
  /** The phase of the run the target belongs to: its ratios are to the references of the same phase. */
  store: Store;
  /** Interleaved targets run once per round and get per-round ratios; the others run once. */
  interleaved: boolean;
  load: Omit<LoadSpec, 'connections' | 'durationSec'>;
}

export const referenceId = (store: Store, reference: typeof BARE | typeof FASTIFY_JWT) => `${store}-${reference}`;

/** The references, measured again in every store's phase, in the same rounds as that store's targets. */
export function referenceTargets(store: Store, bareUrl: string, fastifyJwtUrl: string, referenceToken: string): Target[] {
  return [
    { id: referenceId(store, BARE), label: `bare Fastify route (reference, ${store} phase)`, store, interleaved: true, load: { url: `${bareUrl}/api/private`, expectStatus: 200 } },
    {
      id: referenceId(store, FASTIFY_JWT),
      label: `@fastify/jwt, cache on (reference, ${store} phase)`,
      store,
      interleaved: true,
      load: { url: `${fastifyJwtUrl}/api/private`, headers: { authorization: `Bearer ${referenceToken}` }, expectStatus: 200 },
    },
  ];
}

/**
 * Our protected route in both modes, and the revocation path: a genuine, logged-out token that
 * must be refused after the full check (signature, claims, session lookup, error answer).
 */
export function privateRouteTargets(store: Store, serverUrl: string, credentials: Credentials): Target[] {
  const url = `${serverUrl}/api/private`;
  return [
    { id: `${store}-header`, label: `/api/private, header mode (${store})`, store, interleaved: true, load: { url, headers: { authorization: `Bearer ${credentials.headerToken}` }, expectStatus: 200 } },
    { id: `${store}-cookie`, label: `/api/private, cookie mode (${store})`, store, interleaved: true, load: { url, headers: { cookie: credentials.accessCookie }, expectStatus: 200 } },
    {
      id: `${store}-revoked`,
      label: `revoked token -> 401 (${store})`,
      store,
      interleaved: true,
      load: { url, headers: { authorization: `Bearer ${credentials.revokedToken}` }, expectStatus: 401 },
    },
  ];
}

/** Successful logins only: failures would trip the login throttle and measure the 429 instead. */
export function loginTarget(serverUrl: string, credentials: Credentials): Target {
  return {
    id: 'sqlite-login',
    label: 'login, header mode (sqlite, scrypt at the default cost)',
    store: 'sqlite',
    interleaved: false,
    load: {
      url: `${serverUrl}/api/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials.account, mode: 'header' }),
      expectStatus: 200,
    },
  };
}
