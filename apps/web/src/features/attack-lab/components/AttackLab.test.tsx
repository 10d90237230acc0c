import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { firstMismatch, LootSubmission, RefreshRequest, ReplayRequest, type ForeignRequest, type Refusal } from '@jwt-lab/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClient, type Exchange } from '../../../lib/api-client';
import { requestPath } from '../../../test/fake-api';
import { AttackLab } from './AttackLab';

// The lab against a fake app and a fake attacker's site behind one fake fetch: what the payload
// reads and sends, what the page then says, and what the cross-site run reports.

const ATTACKER = 'http://127.0.0.1:4000';
const header = (typ: string) => btoa(JSON.stringify({ alg: 'HS256', typ })).replace(/=+$/, '');
const ACCESS_TOKEN = `${header('at+jwt')}.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl`;
const REFRESH_TOKEN = `${header('rt+jwt')}.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJm`;
const NEW_ACCESS_TOKEN = `${header('at+jwt')}.eyJzdWIiOiJ1MSIsIm4iOjJ9.bmV3`;
const NEW_REFRESH_TOKEN = `${header('rt+jwt')}.eyJzdWIiOiJ1MSIsIm4iOjJ9.bmV3`;

interface Sent {
  url: string;
  init: RequestInit | undefined;
}

/** Where a call went: the page passes a path or a full URL, as a string, a URL or a Request. */

/**
 * A JSON body read as the app and the attacker's site read it: parsed with the shared schema, so a
 * body they would refuse is refused here too (400, as they answer), and the test sees the problem.
 */
function readBody<S extends TSchema>(schema: S, body: RequestInit['body']): { ok: true; value: Static<S> } | { ok: false; problem: string } {
  if (typeof body !== 'string') return { ok: false, problem: `wants a JSON text body, not ${body === undefined || body === null ? 'none' : typeof body}` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, problem: `wants JSON, not ${body}` };
  }
  if (Value.Check(schema, value)) return { ok: true, value };
  return { ok: false, problem: `refuses ${body}: ${firstMismatch(schema, value, 'the body')}` };
}

interface FakeNetworkOptions {
  labOn?: boolean;
  privateStatus?: number;
  foreignRequests?: ForeignRequest[];
}

function fakeNetwork({ labOn = true, privateStatus = 200, foreignRequests = [] }: FakeNetworkOptions = {}) {
  const sent: Sent[] = [];
  const loot: Array<{ id: number; kind: string; data: Record<string, unknown> }> = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const refuse = (url: string, problem: string) => json(400, { error: 'invalid_request', message: `${url} ${problem}` });
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = requestPath(input);
    sent.push({ url, init });
    if (url === '/api/attack-lab') return labOn ? json(200, { attackerPort: 4000 }) : json(404, { error: 'not_found', message: 'Nothing here.' });
    if (url.startsWith('/api/attack-lab/foreign-requests')) return json(200, { requests: foreignRequests });
    if (url === '/api/private') return privateStatus === 200 ? json(200, { message: 'Hello, alice.', via: 'cookie' }) : json(401, { error: 'missing_token', message: 'No.' });
    if (url === '/api/auth/refresh') {
      // Cookie and memory modes may send no body at all: the server reads that as {}.
      const body = readBody(RefreshRequest, init?.body ?? '{}');
      if (!body.ok) return refuse(url, body.problem);
      return body.value.refreshToken === REFRESH_TOKEN
        ? json(200, { mode: 'header', user: { id: 'u1', username: 'alice' }, accessToken: NEW_ACCESS_TOKEN, refreshToken: NEW_REFRESH_TOKEN, tokenType: 'Bearer', expiresIn: 900 })
        : json(200, { mode: 'cookie', user: { id: 'u1', username: 'alice' }, expiresIn: 900, csrfToken: 'csrf-1' });
    }
    if (url === `${ATTACKER}/collect`) {
      const body = readBody(LootSubmission, init?.body);
      if (!body.ok) return refuse(url, body.problem);
      const { kind, data } = body.value;
      loot.push({ id: loot.length + 1, kind, data });
      return json(201, { id: loot.length, at: new Date().toISOString(), from: 'http://localhost:3000', kind, data });
    }
    if (url === `${ATTACKER}/replay`) {
      const body = readBody(ReplayRequest, init?.body);
      if (!body.ok) return refuse(url, body.problem);
      const { lootId } = body.value;
      const stolen = JSON.stringify(loot.find((item) => item.id === lootId)?.data ?? {}).includes(ACCESS_TOKEN);
      return json(200, {
        lootId,
        target: 'http://127.0.0.1:3000/api/private',
        attempts: [
          stolen
            ? { credential: 'bearer', tokenFrom: 'localStorage["jwtlab.accessToken"]', boundTo: null, proofKey: null, challenge: null, status: 200, answer: { message: 'Hello, alice.', via: 'header' } }
            : { credential: 'none', tokenFrom: null, boundTo: null, proofKey: null, challenge: 'Bearer', status: 401, answer: { error: 'missing_token', message: 'No token.' } },
        ],
      });
    }
    throw new TypeError(`unexpected request to ${url}`);
  });
  vi.stubGlobal('fetch', fetch);
  return { sent, loot };
}

function renderLab(mode: 'header' | 'cookie', openPage = vi.fn<(url: string) => void>()) {
  const exchanges: Exchange[] = [];
  const api = createApiClient({ onExchange: (exchange) => void exchanges.push(exchange) });
  // The page's own next request, as it would send it: the payload catches its credential.
  const nudge = () => (mode === 'header' ? fetch('/api/private', { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } }) : fetch('/api/private', { credentials: 'same-origin' }));
  render(<AttackLab mode={mode} signedIn api={api} nudge={nudge} openPage={openPage} />);
  return { lab: screen.getByRole('region', { name: 'Attack lab' }), exchanges, openPage, user: userEvent.setup() };
}

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.unstubAllGlobals());

describe('Run XSS payload', () => {
  it('header mode: steals the tokens from storage and the wire, refreshes as the page, puts the new ones back, and the replay works', async () => {
    localStorage.setItem('jwtlab.accessToken', ACCESS_TOKEN);
    localStorage.setItem('jwtlab.refreshToken', REFRESH_TOKEN);
    const network = fakeNetwork();
    const { lab, user, exchanges } = renderLab('header');

    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));

    await waitFor(() => expect(within(lab).getByRole("status").textContent).toBe("Stolen: 4 tokens. The attacker's replay worked."), { timeout: 4_000 });
    const [storage, ride] = network.loot;
    expect(storage).toMatchObject({
      kind: 'storage',
      data: {
        localStorage: { 'jwtlab.accessToken': ACCESS_TOKEN, 'jwtlab.refreshToken': REFRESH_TOKEN },
        sessionStorage: {},
        'document.cookie': '',
        indexedDB: [],
        caught: { request: 'GET /api/private', authorization: `Bearer ${ACCESS_TOKEN}` },
        refreshed: { request: 'POST /api/auth/refresh', status: 200, answer: { accessToken: NEW_ACCESS_TOKEN } },
      },
    });
    // The script used the fresh token from the page, and the page's storage now holds it: the page notices nothing.
    expect(ride).toMatchObject({ kind: 'session-ride', data: { request: 'GET /api/private', status: 200 } });
    expect(localStorage.getItem('jwtlab.accessToken')).toBe(NEW_ACCESS_TOKEN);
    expect(localStorage.getItem('jwtlab.refreshToken')).toBe(NEW_REFRESH_TOKEN);
    // A "simple" request: a text body, so no preflight, and never with credentials.
    const collect = network.sent.find((request) => request.url.endsWith('/collect'))!;
    expect(collect.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'content-type': 'text/plain' } });
    expect(within(lab).getByRole('row', { name: /jwtlab\.accessToken/ }).textContent).toContain('access token');
    expect(within(lab).getByRole('row', { name: /jwtlab\.refreshToken/ }).textContent).toContain('refresh token');
    expect(exchanges).toEqual([expect.objectContaining({ method: 'GET', path: '/api/attack-lab', status: 200, carrier: 'none', csrfSent: false })]);
  });

  it('cookie mode: finds no token, refreshes with the CSRF token it read, rides the session from the page, and forwards the answer', async () => {
    localStorage.setItem('jwtlab.cookieSession', JSON.stringify({ csrfToken: 'csrf-1', expiresAt: 1, stamp: 's' }));
    const network = fakeNetwork();
    const { lab, user } = renderLab('cookie');

    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));

    await within(lab).findByText("No token stolen. The attacker's replay was refused.");
    const refresh = network.sent.find((request) => request.url === '/api/auth/refresh')!;
    expect(refresh.init).toMatchObject({ credentials: 'same-origin', headers: { 'x-csrf-token': 'csrf-1' } });
    const rides = network.sent.filter((request) => request.url === '/api/private');
    expect(rides.at(-1)!.init).toMatchObject({ credentials: 'same-origin' });
    expect(new Headers(rides.at(-1)!.init?.headers).get('authorization')).toBeNull();
    expect(network.loot.map((item) => item.kind)).toEqual(['storage', 'session-ride']);
    expect(network.loot[0]!.data).toMatchObject({ refreshed: { request: 'POST /api/auth/refresh', status: 200 } });
    expect(network.loot[1]!.data).toMatchObject({ request: 'GET /api/private', status: 200, using: 'no token: only the cookie the browser adds by itself' });
    expect(within(lab).getByRole('heading', { name: /session riding/ }).textContent).toBe('And the script runs inside your page: session riding');
  });

  it('says so when the lab is turned off on the server', async () => {
    fakeNetwork({ labOn: false });
    const { lab, user } = renderLab('header');
    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));
    expect((await within(lab).findByRole('alert')).textContent).toContain('ATTACK_LAB=false');
  });
});

describe('Run cross-site request', () => {
  let seq = 0;
  const refused = (method: string, path: string, refusedBy: Refusal, origin: string | null = ATTACKER): ForeignRequest => ({
    seq: ++seq,
    at: '2030-01-02T03:04:05.000Z',
    run: 'run-1',
    method,
    path,
    origin,
    fetchSite: 'cross-site',
    fetchDest: method === 'GET' ? 'image' : 'empty',
    contentType: null,
    carried: { accessCookie: false, refreshCookie: false, authorization: false, csrfToken: false, credentialCookies: [] },
    status: refusedBy === 'json-only' ? 415 : 401,
    refusedBy,
  });

  it("opens the attacker's page against this origin, then reports what the app refused and why", async () => {
    fakeNetwork({
      foreignRequests: [
        refused('POST', '/api/auth/logout-all', 'json-only'),
        refused('POST', '/api/auth/logout', 'json-only'),
        refused('OPTIONS', '/api/auth/logout-all', 'cors-preflight'),
        refused('GET', '/api/private', 'no-credential', null),
      ],
    });
    const { lab, user, openPage } = renderLab('cookie');

    await user.click(await within(lab).findByRole('button', { name: 'Run cross-site request' }));

    expect(openPage).toHaveBeenCalledTimes(1);
    const opened = new URL(openPage.mock.calls[0]![0]);
    expect(opened.origin).toBe(ATTACKER);
    expect(opened.searchParams.get('target')).toBe(location.origin);
    expect(opened.searchParams.get('run')).toMatch(/^[\w-]+$/);
    // The lab polls every 0.7 s and calls a run done after 2 s without a new request: about 3 s of real time.
    await within(lab).findByText('All 4 forged requests were refused.', {}, { timeout: 8_000 });
    expect(within(lab).getByRole('row', { name: /GET \/api\/private/ }).textContent).toContain('SameSite: no cookie came (401)');
    expect(within(lab).getByText(/SameSite=Strict:/).closest('li')!.textContent).toContain('none of the 4 requests carried your cookie');
  });
});
