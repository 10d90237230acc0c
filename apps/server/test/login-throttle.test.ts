import { hash, verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGON2ID_PARAMETERS } from '../src/auth/passwords.js';
import { errorOf, startTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ loginThrottle: { maxFailuresPerUsername: 3, maxFailuresPerClient: 6, windowMs: 60_000 } });
});
afterAll(() => t.close());

const login = (username: string, password: string, remoteAddress = '10.0.0.1') =>
  t.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { username, password, mode: 'header' } });

describe('login rate limit', () => {
  it('after too many failures for one username answers 429 rate_limited with Retry-After, even for the right password', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'the right password');
    for (let i = 0; i < 3; i++) expect((await login(username, 'a wrong password', `10.1.0.${i}`)).statusCode).toBe(401);
    const limited = await login(username, 'the right password', '10.1.0.99');
    expect(errorOf(limited)).toMatchObject({ status: 429, error: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('lets the user in again once the window has passed', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'the right password');
    for (let i = 0; i < 3; i++) await login(username, 'a wrong password', '10.2.0.1');
    expect((await login(username, 'the right password', '10.2.0.2')).statusCode).toBe(429);
    t.advance(61);
    expect((await login(username, 'the right password', '10.2.0.2')).statusCode).toBe(200);
  });

  it('limits one client spraying many usernames', async () => {
    for (let i = 0; i < 6; i++) expect((await login(t.uniqueUsername('spray'), 'a wrong password', '10.3.0.1')).statusCode).toBe(401);
    const limited = await login(t.uniqueUsername('spray'), 'a wrong password', '10.3.0.1');
    expect(errorOf(limited)).toMatchObject({ status: 429, error: 'rate_limited' });
    expect((await login(t.uniqueUsername('spray'), 'a wrong password', '10.3.0.2')).statusCode).toBe(401);
  });

  it('counts unknown usernames like known ones, so the limit reveals nothing', async () => {
    const unknown = t.uniqueUsername('ghost');
    for (let i = 0; i < 3; i++) await login(unknown, 'a wrong password', `10.4.0.${i}`);
    expect((await login(unknown, 'a wrong password', '10.4.0.9')).statusCode).toBe(429);
  });

  it('does not count successful logins', async () => {
    const username = t.uniqueUsername();
    await t.register(username, 'the right password');
    for (let i = 0; i < 8; i++) expect((await login(username, 'the right password', '10.5.0.1')).statusCode).toBe(200);
  });
});

describe('unknown user and wrong password take about the same time', () => {
  it('within a factor of two, and both pay for a full argon2id check', async () => {
    const slow = await startTestApp({ loginThrottle: { maxFailuresPerUsername: 1000, maxFailuresPerClient: 1000 } });
    try {
      const username = slow.uniqueUsername();
      await slow.register(username, 'the right password');
      const time = async (name: string) => {
        const started = performance.now();
        const response = await slow.inject({ method: 'POST', url: '/api/auth/login', payload: { username: name, password: 'a wrong password', mode: 'header' } });
        expect(response.statusCode).toBe(401);
        return performance.now() - started;
      };
      await time(username); // warm up
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 9; i++) {
        known.push(await time(username));
        unknown.push(await time(`${username}_ghost`));
      }
      const ratio = median(known) / median(unknown);
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
      // And both really pay for the hash: an unknown user is not a fast path.
      const stored = await hash('some password', ARGON2ID_PARAMETERS);
      const checks: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await verify(stored, 'a wrong password');
        checks.push(performance.now() - started);
      }
      expect(median(unknown)).toBeGreaterThan(median(checks) * 0.5);
    } finally {
      await slow.close();
    }
  });
});

describe('behind a proxy', () => {
  it('counts the forwarded client address only when TRUST_PROXY names the proxy', async () => {
    const limits = { maxFailuresPerUsername: 1000, maxFailuresPerClient: 2, windowMs: 60_000 };
    for (const [trustProxy, expectLimited] of [['127.0.0.1', false], ['false', true]] as const) {
      const proxied = await startTestApp({ env: { TRUST_PROXY: trustProxy }, loginThrottle: limits });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await proxied.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': `203.0.113.${i}` }, payload: { username: proxied.uniqueUsername(), password: 'a wrong password', mode: 'header' } });
          statuses.push(response.statusCode);
        }
        // Trusted: three different clients, none limited. Not trusted: one client (the proxy), limited at the third.
        expect(statuses).toEqual(expectLimited ? [401, 401, 429] : [401, 401, 401]);
      } finally {
        await proxied.close();
      }
    }
  });
});
