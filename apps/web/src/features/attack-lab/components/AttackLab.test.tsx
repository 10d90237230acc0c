import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Exchange } from '../../../lib/api-client';
import { AttackLab } from './AttackLab';

// The lab against a fake app and a fake attacker's site behind one fake fetch: what the payload
// reads and sends, what the page then says, and what the cross-site run reports.

const ATTACKER = 'http://127.0.0.1:4000';
const header = (typ: string) => btoa(JSON.stringify({ alg: 'HS256', typ })).replace(/=+$/, '');
const ACCESS_TOKEN = `${header('at+jwt')}.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl`;
const REFRESH_TOKEN = `${header('rt+jwt')}.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJm`;

interface Sent {
  url: string;
  init: RequestInit | undefined;
}

function fakeNetwork({ labOn = true, privateStatus = 200, foreignRequests = [] as object[] } = {}) {
  const sent: Sent[] = [];
  const loot: Array<{ id: number; kind: string; data: Record<string, unknown> }> = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    sent.push({ url, init });
    if (url === '/api/attack-lab') return labOn ? json(200, { attackerPort: 4000 }) : json(404, { error: 'not_found', message: 'Nothing here.' });
    if (url.startsWith('/api/attack-lab/foreign-requests')) return json(200, { requests: foreignRequests });
    if (url === '/api/private') return privateStatus === 200 ? json(200, { message: 'Hello, alice.', via: 'cookie' }) : json(401, { error: 'missing_token', message: 'No.' });
    if (url === `${ATTACKER}/collect`) {
      const { kind, data } = JSON.parse(String(init?.body)) as { kind: string; data: Record<string, unknown> };
      loot.push({ id: loot.length + 1, kind, data });
      return json(201, { id: loot.length, at: new Date().toISOString(), from: 'http://localhost:3000', kind, data });
    }
    if (url === `${ATTACKER}/replay`) {
      const stolen = JSON.stringify(loot.at(-1)?.data ?? {}).includes(ACCESS_TOKEN);
      return json(200, {
        lootId: 1,
        target: 'http://127.0.0.1:3000/api/private',
        attempts: [
          stolen
            ? { credential: 'bearer', tokenFrom: 'localStorage["jwtlab.accessToken"]', status: 200, answer: { message: 'Hello, alice.', via: 'header' } }
            : { credential: 'none', tokenFrom: null, status: 401, answer: { error: 'missing_token', message: 'No token.' } },
        ],
      });
    }
    throw new TypeError(`unexpected request to ${url}`);
  });
  vi.stubGlobal('fetch', fetch);
  return { sent, loot };
}

function renderLab(mode: 'header' | 'cookie', openPage = vi.fn()) {
  const exchanges: Exchange[] = [];
  render(<AttackLab mode={mode} signedIn onExchange={(exchange) => exchanges.push(exchange)} openPage={openPage} />);
  return { lab: screen.getByRole('region', { name: 'Attack lab' }), exchanges, openPage, user: userEvent.setup() };
}

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.unstubAllGlobals());

describe('Run XSS payload', () => {
  it('header mode: sends both tokens to the collector, says so, and shows the replay that worked', async () => {
    localStorage.setItem('jwtlab.accessToken', ACCESS_TOKEN);
    localStorage.setItem('jwtlab.refreshToken', REFRESH_TOKEN);
    const network = fakeNetwork();
    const { lab, user, exchanges } = renderLab('header');

    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));

    expect(await within(lab).findByText("Stolen: 2 tokens. The attacker's replay worked.")).toBeTruthy();
    expect(network.loot).toEqual([
      { id: 1, kind: 'storage', data: { localStorage: { 'jwtlab.accessToken': ACCESS_TOKEN, 'jwtlab.refreshToken': REFRESH_TOKEN }, sessionStorage: {}, 'document.cookie': '' } },
    ]);
    // A "simple" request: a text body, so no preflight, and never with credentials.
    const collect = network.sent.find((request) => request.url.endsWith('/collect'))!;
    expect(collect.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'content-type': 'text/plain' } });
    expect(within(lab).getByRole('row', { name: /jwtlab\.accessToken/ }).textContent).toContain('access token');
    expect(within(lab).getByRole('row', { name: /jwtlab\.refreshToken/ }).textContent).toContain('refresh token');
    expect(within(lab).getByText(/The app answered:/).textContent).toContain('200');
    // With a token in hand, the script does not need to ride the session.
    expect(network.sent.some((request) => request.url === '/api/private')).toBe(false);
    expect(exchanges).toEqual([expect.objectContaining({ method: 'GET', path: '/api/attack-lab', status: 200, carrier: 'none', csrfSent: false })]);
  });

  it('cookie mode: finds no token, rides the session from the page, and forwards the answer', async () => {
    localStorage.setItem('jwtlab.cookieSession', JSON.stringify({ csrfToken: 'csrf-1', expiresAt: 1, stamp: 's' }));
    const network = fakeNetwork();
    const { lab, user } = renderLab('cookie');

    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));

    expect(await within(lab).findByText("No token stolen. The attacker's replay was refused.")).toBeTruthy();
    expect(within(lab).getByText(/It did take the CSRF token from/).textContent).toContain('localStorage["jwtlab.cookieSession"]');
    const ride = network.sent.find((request) => request.url === '/api/private')!;
    expect(ride.init).toMatchObject({ credentials: 'same-origin' });
    expect(network.loot.map((item) => item.kind)).toEqual(['storage', 'session-ride']);
    expect(network.loot[1]!.data).toMatchObject({ request: 'GET /api/private', status: 200 });
    expect(within(lab).getByRole('heading', { name: /session riding/ })).toBeTruthy();
  });

  it('says so when the lab is turned off on the server', async () => {
    fakeNetwork({ labOn: false });
    const { lab, user } = renderLab('header');
    await user.click(await within(lab).findByRole('button', { name: 'Run XSS payload' }));
    expect((await within(lab).findByRole('alert')).textContent).toContain('ATTACK_LAB=false');
  });
});

describe('Run cross-site request', () => {
  const refused = (method: string, path: string, refusedBy: string, origin: string | null = ATTACKER) => ({
    seq: Math.random(),
    at: '2030-01-02T03:04:05.000Z',
    run: 'run-1',
    method,
    path,
    origin,
    fetchSite: 'cross-site',
    contentType: null,
    carried: { accessCookie: false, refreshCookie: false, authorization: false, csrfToken: false },
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
    const opened = new URL(openPage.mock.calls[0]![0] as string);
    expect(opened.origin).toBe(ATTACKER);
    expect(opened.searchParams.get('target')).toBe(location.origin);
    expect(opened.searchParams.get('run')).toMatch(/^[\w-]+$/);
    expect(await within(lab).findByText('All 4 forged requests were refused.', {}, { timeout: 3_000 })).toBeTruthy();
    expect(within(lab).getByRole('row', { name: /GET \/api\/private/ }).textContent).toContain('SameSite: no cookie came (401)');
    expect(within(lab).getByText(/SameSite=Strict:/).closest('li')!.textContent).toContain('none of the 4 requests carried your cookie');
  });
});
