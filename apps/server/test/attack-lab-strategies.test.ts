import { WeakenedLoginResponse } from '@jwt-lab/shared';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopKey } from './support/dpop-key.js';
import { PASSWORD, startLab, type Lab } from './support/lab.js';
import { ACCESS_COOKIE, MEMORY_REFRESH_COOKIE, REFRESH_COOKIE } from './support/test-app.js';

// The attack lab for every strategy: the attacker's replay of a DPoP-bound token (refused, and the
// answer says why), the cross-site page's forgeries per strategy, and lab-only cookie sessions with
// a defence switched off on purpose, whose forged requests get through once nothing else stops them.

const LAB_ACCESS_COOKIE = 'jwtlab_lab_access';
const LAB_REFRESH_COOKIE = 'jwtlab_lab_refresh';
const ATTACKER = 'http://127.0.0.1:4999';
const PROOF_REFUSED = 'DPoP error="invalid_dpop_proof", algs="ES256 ES384 EdDSA"';
const TOKEN_REFUSED = 'DPoP error="invalid_token", algs="ES256 ES384 EdDSA"';

let lab: Lab;
let counter = 0;
beforeAll(async () => {
  lab = await startLab({ ATTACKER_PORT: '0' });
});
afterAll(() => lab.close());

const host = () => new URL(lab.appUrl).host;
const sameOrigin = () => ({ host: host(), origin: lab.appUrl });
const newUser = async () => {
  const username = `strat_${process.pid}_${++counter}`;
  const registered = await lab.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: PASSWORD } });
  expect(registered.statusCode).toBe(201);
  return username;
};
/** The credential cookies an answer sets (not the device cookie every login sets for the login limits). */
const cookiesOf = (response: LightMyRequestResponse) =>
  Object.fromEntries(response.cookies.filter((cookie) => !cookie.name.startsWith('jwtlab_device_')).map((cookie) => [cookie.name, cookie]));
const cookieHeader = (cookies: Record<string, string>) => Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ');

async function weakenedLogin(weaken: string[], headers: Record<string, string> = sameOrigin()) {
  const username = await newUser();
  const response = await lab.app.inject({ method: 'POST', url: '/api/attack-lab/weakened-login', headers, payload: { username, password: PASSWORD, weaken } });
  return { username, response };
}

/** What the attacker's page makes a browser send: a foreign Origin, and whatever cookies SameSite lets through. */
const forge = (run: string, path: string, cookies: Record<string, string>, headers: Record<string, string> = {}) =>
  lab.app.inject({ method: 'POST', url: `${path}?run=${run}`, headers: { host: host(), origin: ATTACKER, ...(Object.keys(cookies).length ? { cookie: cookieHeader(cookies) } : {}), ...headers } });

async function recorded(run: string) {
  const response = await lab.app.inject({ method: 'GET', url: `/api/attack-lab/foreign-requests?run=${run}` });
  expect(response.statusCode).toBe(200);
  return response.json<{ requests: Array<{ path: string; status: number; refusedBy: string | null; carried: Record<string, unknown> }> }>().requests;
}

describe("the attacker's replay of a DPoP-bound token", () => {
  it('tries it as Bearer, as DPoP with no proof, and with a proof of its own key: each refused, and the answer says why', async () => {
    const key = await createDpopKey();
    const username = await newUser();
    const htu = (route: string) => `${lab.app.appOrigins.publicUrl()}${route}`;
    const login = await lab.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { dpop: await key.proof({ method: 'POST', url: htu('/api/auth/login'), now: Date.now() }) },
      payload: { username, password: PASSWORD, mode: 'dpop' },
    });
    expect(login.statusCode).toBe(200);
    const { accessToken } = login.json<{ accessToken: string }>();

    const { body } = await lab.collect('storage', { localStorage: {}, sessionStorage: { 'jwtlab.dpop.accessToken': accessToken }, 'document.cookie': '' });
    const replay = await lab.replay(body.id);
    expect(replay.attempts.map((attempt) => attempt.credential)).toEqual(['bearer', 'dpop-without-proof', 'dpop-with-attacker-proof']);
    for (const attempt of replay.attempts) {
      expect(attempt).toMatchObject({ tokenFrom: 'sessionStorage["jwtlab.dpop.accessToken"]', boundTo: key.jkt, status: 401, answer: { error: 'invalid_token' } });
    }
    const [asBearer, noProof, attackerProof] = replay.attempts as [typeof replay.attempts[0], typeof replay.attempts[0], typeof replay.attempts[0]];
    expect(asBearer).toMatchObject({ challenge: TOKEN_REFUSED, proofKey: null, answer: { message: expect.stringMatching(/bound to a key/) } });
    expect(noProof).toMatchObject({ challenge: PROOF_REFUSED, proofKey: null, answer: { message: expect.stringMatching(/Send a DPoP proof/) } });
    expect(attackerProof).toMatchObject({ challenge: PROOF_REFUSED, answer: { message: expect.stringMatching(/another key/) } });
    expect(attackerProof.proofKey).toMatch(/^[\w-]{43}$/);
    expect(attackerProof.proofKey).not.toBe(key.jkt);

    // The very token the attacker holds still works from the page, with the page's own proofs.
    const fromPage = await lab.app.inject({
      method: 'GET',
      url: '/api/private',
      headers: { authorization: `DPoP ${accessToken}`, dpop: await key.proof({ method: 'GET', url: htu('/api/private'), accessToken, now: Date.now() }) },
    });
    expect(fromPage.statusCode).toBe(200);
    expect(decodeJwt(accessToken).cnf).toEqual({ jkt: key.jkt });
  });
});

describe("the cross-site page per strategy", () => {
  it.each(['cookie', 'memory', 'header', 'dpop'])('serves the %s forgeries, labelled for the record', async (strategy) => {
    const page = await fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent(lab.appUrl)}&run=s-${strategy}&strategy=${strategy}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`data-strategy="${strategy}"`);
    expect(html).toContain('<script src="/csrf.js"></script>');
  });

  it('without a strategy, serves the classic four forgeries, as before', async () => {
    const html = await (await fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent(lab.appUrl)}&run=classic`)).text();
    expect(html).toContain('data-strategy="classic"');
    const script = await (await fetch(`${lab.attackerUrl}/csrf.js`)).text();
    expect(script).toContain("classic: [() => hiddenForm('/api/auth/logout-all'), () => textFetch('/api/auth/logout'), () => jsonFetch('/api/auth/logout-all'), () => image('/api/private')]");
    expect(script).toContain("memory: [() => hiddenForm('/api/auth/refresh'), () => jsonFetch('/api/auth/refresh'), () => bodilessFetch('/api/auth/refresh')]");
  });

  it('refuses a strategy it does not know', async () => {
    const page = await fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent(lab.appUrl)}&strategy=pigeon`);
    expect(page.status).toBe(400);
  });

  it("records a forged memory-mode refresh: SameSite kept the refresh cookie off, and had it ridden along the Origin check refuses it", async () => {
    const username = await newUser();
    const login = await lab.app.inject({ method: 'POST', url: '/api/auth/login', headers: sameOrigin(), payload: { username, password: PASSWORD, mode: 'memory' } });
    const refreshCookie = cookiesOf(login)[MEMORY_REFRESH_COOKIE]!.value;
    expect(errorCode(await forge('memory-refresh', '/api/auth/refresh', {}))).toBe('missing_token');
    expect(errorCode(await forge('memory-refresh', '/api/auth/refresh', { [MEMORY_REFRESH_COOKIE]: refreshCookie }))).toBe('csrf_failed');
    const requests = await recorded('memory-refresh');
    expect(requests.map((request) => [request.path, request.status, request.refusedBy])).toEqual([
      ['/api/auth/refresh', 403, 'origin-check'],
      ['/api/auth/refresh', 401, 'no-credential'],
    ]);
    expect(requests[0]!.carried).toMatchObject({ accessCookie: false, refreshCookie: true, credentialCookies: [MEMORY_REFRESH_COOKIE] });
  });
});

const errorCode = (response: LightMyRequestResponse) => response.json<{ error?: string }>().error;

describe('defences off, on purpose (lab-only cookie sessions)', () => {
  it('creates a cookie-mode session marked with the defences it goes without, in cookies of its own', async () => {
    const { response } = await weakenedLogin(['samesite-none']);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Value.Check(WeakenedLoginResponse, body)).toBe(true);
    expect(body).toMatchObject({ mode: 'cookie', weakened: ['samesite-none'], csrfToken: expect.any(String) });
    const cookies = cookiesOf(response);
    expect(Object.keys(cookies).sort()).toEqual([LAB_ACCESS_COOKIE, LAB_REFRESH_COOKIE]);
    expect(cookies[LAB_ACCESS_COOKIE]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None', path: '/api' });
    expect(cookies[LAB_REFRESH_COOKIE]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None', path: '/api/auth/refresh' });

    const session = await lab.app.inject({ method: 'GET', url: '/api/auth/session', cookies: { [LAB_ACCESS_COOKIE]: cookies[LAB_ACCESS_COOKIE]!.value } });
    expect(session.json()).toMatchObject({ mode: 'cookie', weakened: ['samesite-none'], csrfToken: body.csrfToken });
  });

  it.each([
    [['samesite-lax'], 'Lax'],
    [['no-csrf-token'], 'Strict'],
    [['no-origin-check'], 'Strict'],
  ])('%j sets SameSite=%s', async (weaken, sameSite) => {
    const { response } = await weakenedLogin(weaken);
    expect(cookiesOf(response)[LAB_ACCESS_COOKIE]).toMatchObject({ sameSite });
  });

  it('refuses two SameSite values at once, unknown defences, and a login from a foreign Origin', async () => {
    expect(errorCode((await weakenedLogin(['samesite-lax', 'samesite-none'])).response)).toBe('invalid_request');
    expect((await weakenedLogin(['no-firewall'])).response.statusCode).toBe(400);
    const foreign = await weakenedLogin(['no-csrf-token'], { host: host(), origin: ATTACKER });
    expect(foreign.response.statusCode).toBe(403);
    expect(foreign.response.headers['set-cookie']).toBeUndefined();
  });

  it('a forged request gets through only once every defence that stops it is off, and the record names the one that did', async () => {
    const runs: Array<[string[], number, string | null]> = [
      [['samesite-none'], 403, 'origin-check'],
      [['samesite-none', 'no-origin-check'], 403, 'csrf-token'],
      [['samesite-none', 'no-csrf-token'], 403, 'origin-check'],
      [['samesite-none', 'no-origin-check', 'no-csrf-token'], 204, null],
    ];
    for (const [weaken, status, refusedBy] of runs) {
      const { response } = await weakenedLogin(weaken);
      const labCookie = { [LAB_ACCESS_COOKIE]: cookiesOf(response)[LAB_ACCESS_COOKIE]!.value };
      const run = `weak-${weaken.join('-')}`;
      // The forged bodiless POST, with the cookie SameSite=None let through.
      const forged = await forge(run, '/api/auth/logout', labCookie);
      expect(forged.statusCode, run).toBe(status);
      const [entry] = await recorded(run);
      expect(entry, run).toMatchObject({ path: '/api/auth/logout', status, refusedBy, carried: { accessCookie: true, credentialCookies: [LAB_ACCESS_COOKIE] } });
      const after = await lab.app.inject({ method: 'GET', url: '/api/private', cookies: labCookie });
      expect(after.statusCode, run).toBe(status === 204 ? 401 : 200);
    }
  });

  it('every other session keeps every defence: the same forged request against an ordinary cookie session is refused', async () => {
    await weakenedLogin(['samesite-none', 'no-origin-check', 'no-csrf-token']);
    const victim = await lab.login('cookie');
    const forged = await forge('ordinary', '/api/auth/logout', { [ACCESS_COOKIE]: victim.cookie!.split('=')[1]! });
    expect(forged.statusCode).toBe(403);
    expect((await recorded('ordinary'))[0]).toMatchObject({ refusedBy: 'origin-check' });
    // Its own cookie, put in a lab cookie by someone who stole it, gets no lab leniency either.
    const relabelled = await forge('relabelled', '/api/auth/logout', { [LAB_ACCESS_COOKIE]: victim.cookie!.split('=')[1]! });
    expect(relabelled.statusCode).toBe(403);
  });

  it("a lab session never disturbs the browser's ordinary cookie session: a request carrying both is judged by the ordinary one", async () => {
    const ordinary = await lab.login('cookie');
    const { response } = await weakenedLogin(['no-csrf-token']);
    const both = `${ordinary.cookie}; ${LAB_ACCESS_COOKIE}=${cookiesOf(response)[LAB_ACCESS_COOKIE]!.value}`;
    const privateData = await lab.app.inject({ method: 'GET', url: '/api/private', headers: { cookie: both } });
    expect(privateData.json()).toMatchObject({ via: 'cookie' });
    // The ordinary session's rules apply: without its CSRF token a logout is refused.
    expect((await lab.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...sameOrigin(), cookie: both } })).statusCode).toBe(403);
  });

  it("is described in the user's sessions like any login: the device its User-Agent names", async () => {
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const { username, response } = await weakenedLogin(['no-csrf-token'], { ...sameOrigin(), 'user-agent': firefox });
    expect(response.statusCode).toBe(200);
    const ordinary = await lab.app.inject({ method: 'POST', url: '/api/auth/login', headers: sameOrigin(), payload: { username, password: PASSWORD, mode: 'header' } });
    const listed = await lab.app.inject({ method: 'GET', url: '/api/auth/sessions', headers: { authorization: `Bearer ${ordinary.json<{ accessToken: string }>().accessToken}` } });
    expect(listed.json<{ sessions: Array<{ mode: string; current: boolean; userAgent: string }> }>().sessions.map(({ mode, current, userAgent }) => [mode, current, userAgent])).toEqual([
      ['header', true, 'lightMyRequest'], // inject's own User-Agent
      ['cookie', false, 'Firefox on Linux'],
    ]);
  });

  it("leaves only when its opener asks: the cookie strategy's page then navigates to the app, every other page closes itself", async () => {
    const page = (query: string) => fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent(lab.appUrl)}&run=leave&${query}`);
    expect(await (await page('strategy=cookie&leave=true')).text()).toContain('data-strategy="cookie" data-leave="true"');
    expect(await (await page('strategy=cookie')).text()).toContain('data-leave="false"');
    expect((await page('strategy=cookie&leave=soon')).status).toBe(400);
    const script = await (await fetch(`${lab.attackerUrl}/csrf.js`)).text();
    expect(script).toContain("const LAST_STEP = { cookie: topLevelNavigation('/api/private') };");
    expect(script).toContain("if (leave === 'true') forged.then(LAST_STEP[strategy] ?? closeThisWindow);");
  });

  it('that navigation carries a SameSite=Lax cookie and gets through, while a Strict session never sees its cookie: the record shows both', async () => {
    // What the browser sends for location.replace() from another site: no Origin, Sec-Fetch-Site cross-site,
    // Sec-Fetch-Mode navigate, and only the cookies SameSite lets ride on a top-level GET (Lax, not Strict).
    const navigate = (run: string, cookies: Record<string, string>) =>
      lab.app.inject({
        method: 'GET',
        url: `/api/private?run=${run}`,
        headers: { host: host(), 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...(Object.keys(cookies).length ? { cookie: cookieHeader(cookies) } : {}) },
      });
    const { response } = await weakenedLogin(['samesite-lax']);
    const laxCookie = cookiesOf(response)[LAB_ACCESS_COOKIE]!;
    expect(laxCookie.sameSite).toBe('Lax');
    const lax = await navigate('nav-lax', { [LAB_ACCESS_COOKIE]: laxCookie.value });
    expect(lax.statusCode).toBe(200);
    expect(lax.json()).toMatchObject({ via: 'cookie' });
    expect(await recorded('nav-lax')).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/private', status: 200, refusedBy: null, origin: null, fetchSite: 'cross-site', fetchDest: 'document', carried: expect.objectContaining({ accessCookie: true, credentialCookies: [LAB_ACCESS_COOKIE] }) }),
    ]);

    const victim = await lab.login('cookie');
    expect(victim.cookie).toMatch(new RegExp(`^${ACCESS_COOKIE}=`));
    const strict = await navigate('nav-strict', {});
    expect(strict.statusCode).toBe(401);
    expect(errorCode(strict)).toBe('missing_token');
    expect(await recorded('nav-strict')).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/private', status: 401, refusedBy: 'no-credential', fetchDest: 'document', carried: expect.objectContaining({ accessCookie: false, credentialCookies: [] }) }),
    ]);
  });

  it('refreshes and logs out a lab session its own way: its cookies rotate, keep their SameSite, and are the ones cleared', async () => {
    const { response } = await weakenedLogin(['samesite-lax']);
    const { csrfToken } = response.json<{ csrfToken: string }>();
    const cookies = cookiesOf(response);
    const refreshed = await lab.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { ...sameOrigin(), 'x-csrf-token': csrfToken }, cookies: { [LAB_REFRESH_COOKIE]: cookies[LAB_REFRESH_COOKIE]!.value } });
    expect(refreshed.statusCode).toBe(200);
    const next = cookiesOf(refreshed);
    expect(next[LAB_ACCESS_COOKIE]).toMatchObject({ sameSite: 'Lax' });
    // Its refresh token is the lab's: under cookie mode's name it is refused.
    const misnamed = await lab.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { ...sameOrigin(), 'x-csrf-token': csrfToken }, cookies: { [REFRESH_COOKIE]: next[LAB_REFRESH_COOKIE]!.value } });
    expect(misnamed.statusCode).toBe(401);

    const logout = await lab.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...sameOrigin(), 'x-csrf-token': csrfToken }, cookies: { [LAB_ACCESS_COOKIE]: next[LAB_ACCESS_COOKIE]!.value } });
    expect(logout.statusCode).toBe(204);
    expect(Object.keys(cookiesOf(logout)).sort()).toEqual([LAB_ACCESS_COOKIE, LAB_REFRESH_COOKIE]);
  });
});

describe('with ATTACK_LAB=false', () => {
  let off: Lab;
  beforeAll(async () => {
    off = await startLab({ ATTACK_LAB: 'false' });
  });
  afterAll(() => off.close());

  it('no weakened session can exist: the route is gone and lab cookies are not read', async () => {
    const route = await off.app.inject({ method: 'POST', url: '/api/attack-lab/weakened-login', payload: { username: 'whoever', password: PASSWORD, weaken: ['no-csrf-token'] } });
    expect(route.statusCode).toBe(404);
    // A lab cookie holding a genuine token of this app counts for nothing here.
    const victim = await off.login('cookie');
    const relabelled = await off.app.inject({ method: 'GET', url: '/api/private', cookies: { [LAB_ACCESS_COOKIE]: victim.cookie!.split('=')[1]! } });
    expect(relabelled.statusCode).toBe(401);
    expect(relabelled.json()).toMatchObject({ error: 'missing_token' });
  });
});
