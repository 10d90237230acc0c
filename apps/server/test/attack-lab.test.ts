import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, parseConfig } from '../src/config/config.js';
import { startLab, type Lab } from './support/lab.js';
import { TEST_SECRET } from './support/test-app.js';

// The attack lab's attacker companion, over real sockets: it listens on loopback only, collects
// loot, replays stolen tokens from its own server (never with the victim's cookies), and the app
// records what other sites made browsers send. With ATTACK_LAB=false none of it exists.

/** Resolves true when something accepts a TCP connection there. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const connectSrcOf = (csp: string) => csp.split(';').find((directive) => directive.trim().startsWith('connect-src'))?.trim();

describe('with ATTACK_LAB on', () => {
  let lab: Lab;
  let attackerPort: number;
  beforeAll(async () => {
    attackerPort = await freePort();
    lab = await startLab({ ATTACKER_PORT: String(attackerPort) });
  });
  afterAll(() => lab.close());

  it('listens on IPv4 loopback only, on ATTACKER_PORT, and tells the page the port', async () => {
    expect(lab.app.attackLab!.attackerAddress()).toMatchObject({ address: '127.0.0.1', port: attackerPort });
    expect(await accepts('127.0.0.1', attackerPort)).toBe(true);
    const outward = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry && !entry.internal && entry.family === 'IPv4');
    for (const entry of outward) expect(await accepts(entry!.address, attackerPort)).toBe(false);

    const info = await fetch(`${lab.appUrl}/api/attack-lab`);
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({ attackerPort });
  });

  it("names the attacker's two loopback origins in connect-src, and nothing else", async () => {
    // The page's policy is the one that governs the payload (API answers may carry a stricter one).
    const response = await fetch(`${lab.appUrl}/`);
    expect(connectSrcOf(response.headers.get('content-security-policy')!)).toBe(
      `connect-src 'self' http://127.0.0.1:${attackerPort} http://localhost:${attackerPort}`,
    );
  });

  it('keeps the windows the page opens reachable, so a run can close the attacker pages it opened', async () => {
    expect((await fetch(`${lab.appUrl}/`)).headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
  });

  it("refuses a Host that is not a loopback name (DNS rebinding) and lets only the app's pages read answers", async () => {
    const rebound = await new Promise<number>((resolve, reject) => {
      // fetch() will not send a forged Host header, so speak HTTP by hand.
      const socket = connect({ host: '127.0.0.1', port: attackerPort }, () => socket.end('GET /loot HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n'));
      let raw = '';
      socket.on('data', (chunk) => (raw += chunk.toString()));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1])));
      socket.on('error', reject);
    });
    expect(rebound).toBe(400);

    const fromApp = await fetch(`${lab.attackerUrl}/loot`, { headers: { origin: lab.appUrl } });
    expect(fromApp.headers.get('access-control-allow-origin')).toBe(lab.appUrl);
    const fromElsewhere = await fetch(`${lab.attackerUrl}/loot`, { headers: { origin: 'https://evil.example' } });
    expect(fromElsewhere.status).toBe(200);
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps what the collector received, exactly, for anyone on this machine to read back', async () => {
    const data = { localStorage: { 'jwtlab.mode': 'header', note: 'hello' }, sessionStorage: {}, 'document.cookie': '' };
    const { response, body } = await lab.collect('storage', data);
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe(lab.appUrl);
    expect(body).toMatchObject({ id: expect.any(Number), from: lab.appUrl, kind: 'storage', data });

    const loot = (await (await fetch(`${lab.attackerUrl}/loot`)).json()) as { loot: Array<{ id: number; data: unknown }> };
    expect(loot.loot[0]).toMatchObject({ id: body.id, data });
  });

  it('answers one record at /loot/:id, exactly as it arrived, and 404 not_found for a record it does not hold', async () => {
    const data = { localStorage: {}, sessionStorage: { note: 'one record' }, 'document.cookie': '' };
    const { body } = await lab.collect('storage', data);
    await lab.collect('storage', { other: 'a later record' });
    const one = await fetch(`${lab.attackerUrl}/loot/${body.id}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await one.json()).toEqual(body);

    const unknown = await fetch(`${lab.attackerUrl}/loot/999999`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('#999999') });
    for (const id of ['0', 'abc', '-1']) {
      const malformed = await fetch(`${lab.attackerUrl}/loot/${id}`);
      expect(malformed.status, id).toBe(400);
      expect(await malformed.json(), id).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('replays a stolen access token from its own server with no cookie, until the session is logged out', async () => {
    const stolen = await lab.login('header');
    const { body } = await lab.collect('storage', {
      localStorage: { 'jwtlab.accessToken': stolen.accessToken, 'jwtlab.refreshToken': stolen.refreshToken },
      sessionStorage: {},
      'document.cookie': '',
    });
    lab.privateRequests.length = 0;

    const first = await lab.replay(body.id);
    expect(first.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/private$/);
    // Only the access token is replayed: a refresh token is not accepted at /api/private anyway.
    expect(first.attempts).toEqual([
      { credential: 'bearer', tokenFrom: 'localStorage["jwtlab.accessToken"]', boundTo: null, proofKey: null, status: 200, challenge: null, answer: expect.objectContaining({ via: 'header' }) },
    ]);
    expect(lab.privateRequests).toHaveLength(1);
    expect(lab.privateRequests[0]).toMatchObject({ authorization: `Bearer ${stolen.accessToken}` });
    expect(lab.privateRequests[0]).not.toHaveProperty('cookie');
    expect(lab.privateRequests[0]).not.toHaveProperty('origin');

    const logout = await fetch(`${lab.appUrl}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${stolen.accessToken}` } });
    expect(logout.status).toBe(204);
    const after = await lab.replay(body.id);
    expect(after.attempts).toEqual([expect.objectContaining({ credential: 'bearer', status: 401, answer: expect.objectContaining({ error: 'token_revoked' }) })]);
  });

  it('replays with nothing when nothing usable was stolen (cookie mode), so the app answers missing_token', async () => {
    const victim = await lab.login('cookie');
    const record = JSON.stringify({ csrfToken: victim.csrfToken, expiresAt: Date.now() + 60_000, stamp: 'x' });
    const { body } = await lab.collect('storage', { localStorage: { 'jwtlab.cookieSession': record }, sessionStorage: {}, 'document.cookie': '' });
    lab.privateRequests.length = 0;

    const result = await lab.replay(body.id);
    expect(result.attempts).toEqual([
      { credential: 'none', tokenFrom: null, boundTo: null, proofKey: null, status: 401, challenge: 'Bearer', answer: expect.objectContaining({ error: 'missing_token' }) },
    ]);
    expect(lab.privateRequests).toHaveLength(1);
    expect(lab.privateRequests[0]).not.toHaveProperty('cookie');
    expect(lab.privateRequests[0]).not.toHaveProperty('authorization');
  });

  it('answers 404 for loot it does not hold', async () => {
    const response = await fetch(`${lab.attackerUrl}/replay`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ lootId: 999_999 }) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it("serves the cross-site page against the app's own origin only", async () => {
    const page = await fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent(lab.appUrl)}&run=run-1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain(`data-target="${lab.appUrl}"`);
    expect(html).toContain('<script src="/csrf.js"></script>');
    expect(html).not.toMatch(/<script>/);

    const elsewhere = await fetch(`${lab.attackerUrl}/csrf?target=${encodeURIComponent('https://bank.example')}`);
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('the record of requests from other sites', () => {
  let lab: Lab;
  let victim: Awaited<ReturnType<Lab['login']>>;
  beforeAll(async () => {
    lab = await startLab({ ATTACKER_PORT: '0' });
    victim = await lab.login('cookie');
  });
  afterAll(() => lab.close());

  const ATTACKER = 'http://127.0.0.1:4999';
  const forge = (run: string, init: { method?: string; path?: string; headers?: Record<string, string>; body?: string }) =>
    lab.app.inject({
      method: (init.method ?? 'POST') as 'POST',
      url: `${init.path ?? '/api/auth/logout-all'}?run=${run}`,
      headers: { host: new URL(lab.appUrl).host, ...init.headers },
      ...(init.body === undefined ? {} : { payload: init.body }),
    });
  async function recorded(run: string) {
    const response = await lab.app.inject({ method: 'GET', url: `/api/attack-lab/foreign-requests?run=${run}` });
    expect(response.statusCode).toBe(200);
    return response.json<{ requests: Array<Record<string, unknown>> }>().requests;
  }

  it('names the check that refused each forged request, and what it carried', async () => {
    const cookie = victim.cookie!;
    const form = await forge('layers', { headers: { origin: ATTACKER, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=yes' });
    expect(form.statusCode).toBe(415);
    const noCookie = await forge('layers', { headers: { origin: ATTACKER, 'content-type': 'application/json' }, body: '{}' });
    expect(noCookie.statusCode).toBe(401);
    // As if SameSite had let the cookie through (a Lax cookie, an old browser): the Origin check refuses it.
    const foreignOrigin = await forge('layers', { headers: { origin: ATTACKER, cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(foreignOrigin.statusCode).toBe(403);
    // A sibling site that sends no Origin: only the missing CSRF token gives it away.
    const noToken = await forge('layers', { headers: { 'sec-fetch-site': 'same-site', cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.statusCode).toBe(403);
    const preflight = await forge('layers', { method: 'OPTIONS', headers: { origin: ATTACKER, 'access-control-request-method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

    const requests = await recorded('layers');
    expect(requests.map((entry) => [entry.method, entry.status, entry.refusedBy])).toEqual([
      ['OPTIONS', 404, 'cors-preflight'],
      ['POST', 403, 'csrf-token'],
      ['POST', 403, 'origin-check'],
      ['POST', 401, 'no-credential'],
      ['POST', 415, 'json-only'],
    ]);
    expect(requests.at(-1)).toMatchObject({
      path: '/api/auth/logout-all',
      run: 'layers',
      origin: ATTACKER,
      contentType: 'application/x-www-form-urlencoded',
      carried: { accessCookie: true, refreshCookie: false, authorization: false, csrfToken: false },
    });
    expect(requests[1]).toMatchObject({ origin: null, fetchSite: 'same-site' });
    // Presence only: no cookie value or token is ever kept.
    expect(JSON.stringify(requests)).not.toContain(cookie.split('=')[1]!);

    // The session survived all of it.
    const session = await lab.app.inject({ method: 'GET', url: '/api/private', headers: { cookie } });
    expect(session.statusCode).toBe(200);
  });

  it('records a cross-site GET that carries no Origin by its Sec-Fetch-Site label', async () => {
    const image = await forge('image', { method: 'GET', path: '/api/private', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(image.statusCode).toBe(401);
    expect(await recorded('image')).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/private', origin: null, fetchSite: 'cross-site', status: 401, refusedBy: 'no-credential' }),
    ]);
  });

  it("leaves the app's own requests out", async () => {
    const read = await forge('own', { method: 'GET', path: '/api/private', headers: { 'sec-fetch-site': 'same-origin', cookie: victim.cookie! } });
    expect(read.statusCode).toBe(200);
    // Refused, but from our own page (a bug of ours, not an attack): not the lab's business.
    const refused = await forge('own', { headers: { origin: lab.appUrl, cookie: victim.cookie!, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.statusCode).toBe(403);
    expect(await recorded('own')).toEqual([]);
  });
});

describe('when ATTACKER_PORT is taken', () => {
  it('refuses to start with an error naming ATTACKER_PORT (main prints it as its one line)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-attack-'));
    const app = await buildApp({
      config: parseConfig({ DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PORT: '0', ATTACKER_PORT: String(port) }),
      webRoot: null,
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const failure = await app.attackLab!.listen().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).variable).toBe('ATTACKER_PORT');
      expect((failure as Error).message).toMatch(new RegExp(`^ATTACKER_PORT ${port} is already in use; .*ATTACK_LAB=false`));
      expect(app.attackLab!.attackerAddress()).toBeNull();
    } finally {
      await app.close();
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('with ATTACK_LAB=false', () => {
  let lab: Lab;
  let attackerPort: number;
  beforeAll(async () => {
    attackerPort = await freePort();
    lab = await startLab({ ATTACK_LAB: 'false', ATTACKER_PORT: String(attackerPort) });
  });
  afterAll(() => lab.close());

  it('starts no attacker, adds nothing to connect-src, and has no lab routes or record', async () => {
    expect(lab.app.attackLab).toBeUndefined();
    expect(await accepts('127.0.0.1', attackerPort)).toBe(false);

    const info = await fetch(`${lab.appUrl}/api/attack-lab`);
    expect(info.status).toBe(404);
    const page = await fetch(`${lab.appUrl}/`);
    expect(connectSrcOf(page.headers.get('content-security-policy')!)).toBe("connect-src 'self'");
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const record = await fetch(`${lab.appUrl}/api/attack-lab/foreign-requests`);
    expect(record.status).toBe(404);
  });
});
