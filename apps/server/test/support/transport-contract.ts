import { LoginResponse, SessionResponse } from '@jwt-lab/shared';
import type { LightMyRequestResponse } from 'fastify';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingRequest, StrategyClient } from './strategy-clients.js';
import { errorOf, startTestApp, type TestApp } from './test-app.js';

/**
 * The one suite every storage strategy's transport passes, through HTTP as its page uses it: what
 * login hands out and where, that the credential comes back the strategy's way, that refresh
 * rotates and a reused refresh token ends the session, that requests without the strategy's own
 * proof (CSRF token, DPoP proof) are refused and cost nothing, and that logout revokes and clears.
 */
export function describeTransportContract(client: StrategyClient, open: () => Promise<TestApp> = () => startTestApp()) {
  describe(`the ${client.name} transport`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(() => t?.close());

    const send = (method: 'GET' | 'POST', url: string, outgoing: OutgoingRequest) =>
      t.inject({ method, url, headers: outgoing.headers, cookies: outgoing.cookies, ...(outgoing.payload === undefined ? {} : { payload: outgoing.payload as object }) });
    const refresh = (outgoing: OutgoingRequest) => send('POST', '/api/auth/refresh', outgoing);
    // The device cookie (login limits, set at every login whatever the strategy) is no credential of the transport's.
    const cookiesOf = (response: LightMyRequestResponse) =>
      Object.fromEntries(response.cookies.filter((cookie) => !cookie.name.startsWith('jwtlab_device_')).map((cookie) => [cookie.name, cookie]));

    it(`logs in with an answer of its mode (${client.mode}) that the shared schema accepts, never cached`, async () => {
      const { loginResponse } = await client.login(t);
      expect(loginResponse.statusCode).toBe(200);
      const body = loginResponse.json();
      expect(Value.Check(LoginResponse, body)).toBe(true);
      expect(body.mode).toBe(client.mode);
      expect(loginResponse.headers['cache-control']).toBe('no-store');
    });

    it(`puts ${client.tokensInBody} token(s) in the body and sets exactly its own cookies, HttpOnly where it says`, async () => {
      const { loginResponse } = await client.login(t);
      expect(loginResponse.body.match(/eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g) ?? []).toHaveLength(client.tokensInBody);
      const cookies = cookiesOf(loginResponse);
      expect(Object.keys(cookies).sort()).toEqual(Object.keys(client.cookies).sort());
      for (const [name, expected] of Object.entries(client.cookies)) {
        expect(cookies[name]).toMatchObject({ path: expected.path, sameSite: 'Strict', secure: true });
        expect(cookies[name]!.httpOnly ?? false).toBe(expected.httpOnly);
      }
    });

    it(`is read back the strategy's way: /api/private via ${client.via}, /api/auth/session in mode ${client.mode}`, async () => {
      const session = await client.login(t);
      const privateData = await send('GET', '/api/private', await session.request('GET', '/api/private'));
      expect(privateData.statusCode).toBe(200);
      expect(privateData.json()).toMatchObject({ via: client.via });
      const described = await send('GET', '/api/auth/session', await session.request('GET', '/api/auth/session'));
      expect(described.statusCode).toBe(200);
      expect(Value.Check(SessionResponse, described.json())).toBe(true);
      expect(described.json()).toMatchObject({ mode: client.mode });
    });

    it('refreshes as its page does: a new access token that works, same shape as login', async () => {
      const session = await client.login(t);
      const response = await refresh(await session.refreshRequest());
      expect(response.statusCode).toBe(200);
      expect(Value.Check(LoginResponse, response.json())).toBe(true);
      expect(response.json().mode).toBe(client.mode);
      session.absorb(response);
      expect((await send('GET', '/api/private', await session.request('GET', '/api/private'))).statusCode).toBe(200);
    });

    it('answers a reused refresh token with refresh_token_reused and ends the session', async () => {
      const session = await client.login(t);
      const stale = await session.refreshRequest();
      const first = await refresh(stale);
      expect(first.statusCode).toBe(200);
      session.absorb(first);
      // Same token again (a DPoP client signs a new proof for it, as a thief with the key would).
      const replayRequest = { ...(await session.refreshRequest()), payload: stale.payload, cookies: stale.cookies };
      expect(errorOf(await refresh(replayRequest))).toMatchObject({ status: 401, error: 'refresh_token_reused' });
      expect(errorOf(await send('GET', '/api/private', await session.request('GET', '/api/private')))).toMatchObject({ status: 401, error: 'token_revoked' });
    });

    it("refuses a refresh without the strategy's own proof, and it costs the session nothing", async () => {
      const session = await client.login(t);
      const unproven = await session.refreshWithoutOwnProof();
      if (unproven === null) return; // the refresh token itself is in the body: no other site can send it
      const refused = await refresh(unproven);
      expect([401, 403]).toContain(refused.statusCode);
      expect(refused.headers['set-cookie']).toBeUndefined();
      expect((await refresh(await session.refreshRequest())).statusCode).toBe(200);
    });

    it("refuses a state change without the strategy's own proof, and the session lives on", async () => {
      const session = await client.login(t);
      const unproven = await session.requestWithoutOwnProof('POST', '/api/auth/logout');
      if (unproven === null) return; // a header no other site can add is the whole credential
      const refused = await send('POST', '/api/auth/logout', unproven);
      expect([401, 403]).toContain(refused.statusCode);
      expect((await send('GET', '/api/private', await session.request('GET', '/api/private'))).statusCode).toBe(200);
    });

    it('logs out: 204, the token is refused from the next request on, and its cookies are cleared', async () => {
      const session = await client.login(t);
      const logout = await send('POST', '/api/auth/logout', await session.request('POST', '/api/auth/logout'));
      expect(logout.statusCode).toBe(204);
      const cleared = cookiesOf(logout);
      expect(Object.keys(cleared).sort()).toEqual(Object.keys(client.cookies).sort());
      for (const cookie of Object.values(cleared)) expect(cookie.value).toBe('');
      expect(errorOf(await send('GET', '/api/private', await session.request('GET', '/api/private')))).toMatchObject({ status: 401, error: 'token_revoked' });
      expect(errorOf(await refresh(await session.refreshRequest()))).toMatchObject({ status: 401, error: 'invalid_token' });
    });
  });
}
