import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, errorOf, startTestApp, type TestApp } from './support/test-app.js';

// Single-use links (email verification, password reset) with the local outbox standing in for email.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { PUBLIC_URL: 'https://jwt-lab.example' } });
});
afterAll(() => t.close());

interface Message { to: string; subject: string; link: string; text: string }

/** Messages are sent after the answer: once they are all written, the one addressed to `to`. */
async function messageTo(to: string, subject: RegExp, after = 0): Promise<Message> {
  await t.sendsSettled();
  const response = await t.inject({ method: 'GET', url: '/api/outbox' });
  expect(response.statusCode).toBe(200);
  const { messages } = response.json<{ messages: Message[] }>();
  const found = messages.filter((message) => message.to === to && subject.test(message.subject));
  expect(found.length, `messages to ${to} matching ${subject}`).toBeGreaterThan(after);
  return found[0]!;
}

const tokenOf = (link: string) => new URL(link.replace('#', '?hash=')).searchParams.get('token') ?? new URLSearchParams(link.split('?')[1]).get('token')!;

async function registerWithEmail() {
  const username = t.uniqueUsername('mail');
  const email = `${username}@example.test`;
  // Host is one of ours (loopback) but not PUBLIC_URL's: links must still name PUBLIC_URL. A foreign
  // Host is not answered at all (test/hostile-clients.test.ts).
  const response = await t.inject({ method: 'POST', url: '/api/auth/register', headers: { host: '127.0.0.1:3000' }, payload: { username, password: 'old password', email } });
  expect(response.statusCode).toBe(201);
  expect(response.json()).toEqual({ user: { id: expect.any(String), username } });
  return { username, email, user: response.json().user };
}

const requestReset = (email: string, remoteAddress = '10.9.0.1') => t.inject({ method: 'POST', url: '/api/auth/password-reset/request', remoteAddress, payload: { email } });
const reset = (token: string, password = 'a new password') => t.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { token, password } });
const verify = (token: string) => t.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token } });
const login = (username: string, password: string) => t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, mode: 'header' } });

describe('email verification', () => {
  it('registration with an address sends a link to PUBLIC_URL, never to the Host header', async () => {
    const { email, username } = await registerWithEmail();
    const message = await messageTo(email, /Confirm/);
    expect(message.link.startsWith('https://jwt-lab.example/#verify-email?token=')).toBe(true);
    expect(message.link).not.toContain('evil.example');
    expect(message.text).toContain(username);
  });

  it('a link works once: then link_used', async () => {
    const { email, user } = await registerWithEmail();
    const token = tokenOf((await messageTo(email, /Confirm/)).link);
    const first = await verify(token);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ user, email });
    expect(errorOf(await verify(token))).toMatchObject({ status: 410, error: 'link_used' });
  });

  it('an expired link answers link_expired', async () => {
    const { email } = await registerWithEmail();
    const token = tokenOf((await messageTo(email, /Confirm/)).link);
    t.advance(901);
    expect(errorOf(await verify(token))).toMatchObject({ status: 410, error: 'link_expired' });
  });

  it('a tampered or truncated link answers invalid_link', async () => {
    const { email } = await registerWithEmail();
    const token = tokenOf((await messageTo(email, /Confirm/)).link);
    expect(errorOf(await verify(`${token.slice(0, -2)}AA`))).toMatchObject({ status: 400, error: 'invalid_link' });
    expect(errorOf(await verify(token.split('.').slice(0, 2).join('.')))).toMatchObject({ status: 400, error: 'invalid_link' });
  });

  it('can be asked for again, answering alike for unknown addresses', async () => {
    const { email } = await registerWithEmail();
    const known = await t.inject({ method: 'POST', url: '/api/auth/verify-email/request', payload: { email } });
    const unknown = await t.inject({ method: 'POST', url: '/api/auth/verify-email/request', payload: { email: 'nobody-here@example.test' } });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.json()).toEqual(unknown.json());
    await messageTo(email, /Confirm/, 1); // the second message arrived
  });
});

describe('password reset', () => {
  it('answers the same for a known and an unknown address', async () => {
    const { email } = await registerWithEmail();
    const known = await requestReset(email);
    const unknown = await requestReset('ghost@example.test');
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
  });

  it('sets the new password, ends every session, and the link then is spent', async () => {
    const { email, username } = await registerWithEmail();
    const sessions = [(await login(username, 'old password')).json(), (await login(username, 'old password')).json()];
    await requestReset(email);
    const token = tokenOf((await messageTo(email, /Reset/)).link);

    const response = await reset(token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ sessionsRevoked: 2, message: expect.stringMatching(/logged out/) });
    for (const session of sessions) {
      expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(session.accessToken) }))).toMatchObject({ error: 'token_revoked' });
    }
    expect((await login(username, 'old password')).statusCode).toBe(401);
    expect((await login(username, 'a new password')).statusCode).toBe(200);
    expect(errorOf(await reset(token, 'yet another one'))).toMatchObject({ status: 410, error: 'link_used' });
  });

  it('a reset link stops working once the password changed by another route', async () => {
    const { email, username } = await registerWithEmail();
    await requestReset(email);
    const older = tokenOf((await messageTo(email, /Reset/)).link);
    await requestReset(email);
    const newer = tokenOf((await messageTo(email, /Reset/, 1)).link);
    expect((await reset(newer, 'changed by the newer link')).statusCode).toBe(200);
    expect(errorOf(await reset(older, 'attacker password'))).toMatchObject({ status: 400, error: 'invalid_link' });
    expect((await login(username, 'changed by the newer link')).statusCode).toBe(200);
  });

  it('an expired reset link answers link_expired and changes nothing', async () => {
    const { email, username } = await registerWithEmail();
    await requestReset(email);
    const token = tokenOf((await messageTo(email, /Reset/)).link);
    t.advance(901);
    expect(errorOf(await reset(token))).toMatchObject({ status: 410, error: 'link_expired' });
    expect((await login(username, 'old password')).statusCode).toBe(200);
  });

  it('is rate limited per address, for known and unknown addresses alike; the registration message counts too', async () => {
    // 5 messages per address: the registered address already got its verification message.
    for (const [email, allowed] of [[(await registerWithEmail()).email, 4], ['unknown-spam@example.test', 5]] as const) {
      for (let i = 0; i < allowed; i++) expect((await requestReset(email, `10.8.${i}.1`)).statusCode).toBe(202);
      const limited = await requestReset(email, '10.8.9.1');
      expect(errorOf(limited)).toMatchObject({ status: 429, error: 'rate_limited' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('refuses requests from a foreign Origin', async () => {
    const response = await t.inject({ method: 'POST', url: '/api/auth/password-reset/request', headers: { host: 'localhost:3000', origin: 'https://evil.example' }, payload: { email: 'a@b.example' } });
    expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
  });
});

describe('link tokens are their own kind', () => {
  it('a link token is not an access token, and access, refresh or another purpose\'s tokens are not links', async () => {
    const { email, username } = await registerWithEmail();
    const verifyToken = tokenOf((await messageTo(email, /Confirm/)).link);
    await requestReset(email);
    const resetToken = tokenOf((await messageTo(email, /Reset/)).link);
    const { accessToken, refreshToken } = (await login(username, 'old password')).json();

    for (const token of [verifyToken, resetToken]) {
      expect(errorOf(await t.inject({ method: 'GET', url: '/api/private', headers: bearer(token) }))).toMatchObject({ status: 401, error: 'invalid_token' });
      expect(errorOf(await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: token } }))).toMatchObject({ status: 401, error: 'invalid_token' });
    }
    for (const token of [accessToken, refreshToken]) {
      expect(errorOf(await verify(token))).toMatchObject({ status: 400, error: 'invalid_link' });
      expect(errorOf(await reset(token))).toMatchObject({ status: 400, error: 'invalid_link' });
    }
    expect(errorOf(await reset(verifyToken))).toMatchObject({ status: 400, error: 'invalid_link' });
    expect(errorOf(await verify(resetToken))).toMatchObject({ status: 400, error: 'invalid_link' });
  });
});

describe('the outbox', () => {
  it('keeps each message in a file only its owner can read', async () => {
    const { email } = await registerWithEmail();
    await messageTo(email, /Confirm/);
    const dir = path.join(t.dataDir, 'outbox');
    const files = await readdir(dir);
    expect(files.length).toBeGreaterThan(0);
    expect((await stat(path.join(dir, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not a message, lists the rest, and says which file and why', async () => {
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const logStream = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
    const own = await startTestApp({ logStream });
    try {
      const username = own.uniqueUsername('mail');
      const register = await own.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: 'old password', email: `${username}@example.test` } });
      expect(register.statusCode).toBe(201);
      await own.sendsSettled();
      const dir = path.join(own.dataDir, 'outbox');
      // Sorted by name, these come first: newest.
      await writeFile(path.join(dir, '999999999999999-bad-json.json'), '{ not json');
      await writeFile(path.join(dir, '999999999999999-bad-shape.json'), JSON.stringify({ id: 'x', to: 42 }));

      const response = await own.inject({ method: 'GET', url: '/api/outbox' });
      expect(response.statusCode).toBe(200);
      const { messages } = response.json<{ messages: Message[] }>();
      expect(messages.map((message) => message.to)).toEqual([`${username}@example.test`]);
      const warnings = lines
        .map((line): unknown => JSON.parse(line))
        .filter((entry): entry is { level: 40; msg: string } => typeof entry === 'object' && entry !== null && 'level' in entry && entry.level === 40)
        .map((entry) => entry.msg);
      expect(warnings).toEqual(
        expect.arrayContaining([
          'outbox file 999999999999999-bad-json.json is not JSON; it is left out of the outbox',
          expect.stringMatching(/^outbox file 999999999999999-bad-shape\.json is not a message \(the file: must have required properties .+\); it is left out of the outbox$/),
        ]),
      );
    } finally {
      await own.close();
    }
  });

  it('closing the app first writes every message still on its way', async () => {
    const own = await startTestApp();
    const dir = path.join(own.dataDir, 'outbox');
    const username = own.uniqueUsername('mail');
    const register = await own.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: 'old password', email: `${username}@example.test` } });
    expect(register.statusCode).toBe(201);
    const requested = await own.inject({ method: 'POST', url: '/api/auth/password-reset/request', payload: { email: `${username}@example.test` } });
    expect(requested.statusCode).toBe(202);
    expect(own.app.sends.pending).toBeGreaterThan(0);
    await own.app.close();
    expect((await readdir(dir)).filter((name) => name.endsWith('.json'))).toHaveLength(2);
    await own.close();
  });

  it('is not listed when OUTBOX_PAGE=false (and is off by default in production)', async () => {
    const production = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const response = await production.inject({ method: 'GET', url: '/api/outbox' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ enabled: false, messages: [] });
    } finally {
      await production.close();
    }
  });
});
