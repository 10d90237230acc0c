import type { CredentialMode, CredentialVia } from '@jwt-lab/shared';
import type { LightMyRequestResponse } from 'fastify';
import { createDpopKey } from './dpop-key.js';
import { SAME_ORIGIN, type TestApp } from './test-app.js';

/** One request as a client sends it: its headers and the cookies its browser attaches. */
export interface OutgoingRequest {
  headers: Record<string, string>;
  cookies: Record<string, string>;
  payload?: unknown;
}

/**
 * A logged-in client of one strategy, doing what that strategy's page does: it keeps what the
 * answers hand it (body fields, cookies) and sends it back the strategy's way.
 */
export interface StrategySession {
  readonly loginResponse: LightMyRequestResponse;
  /** An authenticated request, with everything the page would send (CSRF token, DPoP proof). */
  request(method: string, url: string): Promise<OutgoingRequest>;
  /** The same request without what proves it is the page's own; null when the credential is all there is. */
  requestWithoutOwnProof(method: string, url: string): Promise<OutgoingRequest | null>;
  /** The page's refresh request: the strategy's refresh token and its proof. */
  refreshRequest(): Promise<OutgoingRequest>;
  refreshWithoutOwnProof(): Promise<OutgoingRequest | null>;
  /** Takes in what an answer hands the client (a refresh's new tokens and cookies). */
  absorb(response: LightMyRequestResponse): void;
}

export interface StrategyClient {
  name: string;
  mode: CredentialMode;
  via: CredentialVia;
  /** How many JWTs the login body carries: what a script reading the answer would see. */
  tokensInBody: number;
  /** The cookies its login sets, and whether page scripts may read each. */
  cookies: Record<string, { httpOnly: boolean; path: string }>;
  login(t: TestApp): Promise<StrategySession>;
}

/** A browser's cookie jar for one origin: names and values, updated by every Set-Cookie. */
function cookieJar() {
  const jar: Record<string, string> = {};
  return {
    jar,
    absorb(response: LightMyRequestResponse) {
      for (const cookie of response.cookies) {
        const expired = cookie.value === '' || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
        if (expired) delete jar[cookie.name];
        else jar[cookie.name] = cookie.value;
      }
    },
  };
}

async function loginAs(t: TestApp, mode: CredentialMode, headers: Record<string, string> = {}) {
  const username = t.uniqueUsername(mode);
  await t.register(username);
  return t.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { username, password: 'correct horse battery', mode } });
}

/**
 * A page in cookie mode after `loginResponse`: its cookies in a jar, and the CSRF token from the
 * login body sent with every request (without it where the client's own proof is left out).
 */
function cookieSessionAfter(loginResponse: LightMyRequestResponse): StrategySession {
  const { csrfToken } = loginResponse.json<Body>();
  const { jar, absorb } = cookieJar();
  absorb(loginResponse);
  const withToken = { ...SAME_ORIGIN, 'x-csrf-token': csrfToken! };
  return {
    loginResponse,
    request: async () => ({ headers: withToken, cookies: { ...jar } }),
    requestWithoutOwnProof: async () => ({ headers: SAME_ORIGIN, cookies: { ...jar } }),
    refreshRequest: async () => ({ headers: withToken, cookies: { ...jar } }),
    refreshWithoutOwnProof: async () => ({ headers: SAME_ORIGIN, cookies: { ...jar } }),
    absorb,
  };
}

/** Bodies carry `{accessToken, refreshToken?, csrfToken?}` depending on the strategy. */
type Body = { accessToken?: string; refreshToken?: string; csrfToken?: string };

export const headerClient: StrategyClient = {
  name: 'header (localStorage or sessionStorage + Authorization header)',
  mode: 'header',
  via: 'header',
  tokensInBody: 2,
  cookies: {},
  async login(t) {
    const loginResponse = await loginAs(t, 'header');
    let body = loginResponse.json<Body>();
    return {
      loginResponse,
      request: async () => ({ headers: { authorization: `Bearer ${body.accessToken}` }, cookies: {} }),
      requestWithoutOwnProof: async () => null,
      refreshRequest: async () => ({ headers: {}, cookies: {}, payload: { refreshToken: body.refreshToken } }),
      refreshWithoutOwnProof: async () => null,
      absorb: (response) => void (body = response.json<Body>()),
    };
  },
};

export const cookieClient: StrategyClient = {
  name: 'cookie (HttpOnly cookie + CSRF token)',
  mode: 'cookie',
  via: 'cookie',
  tokensInBody: 0,
  cookies: { jwtlab_access: { httpOnly: true, path: '/api' }, jwtlab_refresh: { httpOnly: true, path: '/api/auth/refresh' } },
  async login(t) {
    const loginResponse = await loginAs(t, 'cookie', SAME_ORIGIN);
    return cookieSessionAfter(loginResponse);
  },
};

export const memoryClient: StrategyClient = {
  name: 'memory (JavaScript variable + refresh cookie)',
  mode: 'memory',
  via: 'header',
  tokensInBody: 1,
  cookies: { jwtlab_memory_refresh: { httpOnly: true, path: '/api/auth/refresh' }, jwtlab_memory_csrf: { httpOnly: false, path: '/' } },
  async login(t) {
    const loginResponse = await loginAs(t, 'memory', SAME_ORIGIN);
    let body = loginResponse.json<Body>();
    const { jar, absorb } = cookieJar();
    absorb(loginResponse);
    return {
      loginResponse,
      request: async () => ({ headers: { authorization: `Bearer ${body.accessToken}` }, cookies: { ...jar } }),
      requestWithoutOwnProof: async () => null,
      // After a reload the page reads the CSRF token from its readable cookie: do the same.
      refreshRequest: async () => ({ headers: { ...SAME_ORIGIN, 'x-csrf-token': jar.jwtlab_memory_csrf! }, cookies: { ...jar } }),
      refreshWithoutOwnProof: async () => ({ headers: SAME_ORIGIN, cookies: { ...jar } }),
      absorb(response) {
        body = response.json<Body>();
        absorb(response);
      },
    };
  },
};

export const dpopClient: StrategyClient = {
  name: 'DPoP (token bound to a key the page holds)',
  mode: 'dpop',
  via: 'dpop',
  tokensInBody: 2,
  cookies: {},
  async login(t) {
    const key = await createDpopKey();
    const loginResponse = await loginAs(t, 'dpop', { dpop: await key.proof({ method: 'POST', url: '/api/auth/login', now: t.now() }) });
    let body = loginResponse.json<Body>();
    return {
      loginResponse,
      request: async (method, url) => t.dpopHeaders(key, method, url, body.accessToken!).then((headers) => ({ headers, cookies: {} })),
      requestWithoutOwnProof: async () => ({ headers: { authorization: `DPoP ${body.accessToken}` }, cookies: {} }),
      refreshRequest: async () => ({
        headers: { dpop: await key.proof({ method: 'POST', url: '/api/auth/refresh', now: t.now() }) },
        cookies: {},
        payload: { refreshToken: body.refreshToken },
      }),
      refreshWithoutOwnProof: async () => ({ headers: {}, cookies: {}, payload: { refreshToken: body.refreshToken } }),
      absorb: (response) => void (body = response.json<Body>()),
    };
  },
};

/**
 * The attack lab's cookie sessions with a defence off (here the Origin check): their own transport,
 * which must keep every promise of the suite that the missing defence does not cover.
 */
export const weakenedCookieClient: StrategyClient = {
  ...cookieClient,
  name: 'lab cookie session without the Origin check',
  cookies: { jwtlab_lab_access: { httpOnly: true, path: '/api' }, jwtlab_lab_refresh: { httpOnly: true, path: '/api/auth/refresh' } },
  async login(t) {
    const username = t.uniqueUsername('lab');
    await t.register(username);
    const loginResponse = await t.inject({
      method: 'POST',
      url: '/api/attack-lab/weakened-login',
      headers: SAME_ORIGIN,
      payload: { username, password: 'correct horse battery', weaken: ['no-origin-check'] },
    });
    return cookieSessionAfter(loginResponse);
  },
};

export const STRATEGY_CLIENTS = [headerClient, cookieClient, memoryClient, dpopClient, weakenedCookieClient] as const;
