import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ERROR_CODES, type ErrorCode } from '@jwt-lab/shared';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type AppOptions } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.js';
import { ERROR_TABLE } from '../../src/errors/api-error.js';
import type { DpopKey } from './dpop-key.js';

/** A known HS256 secret, so attack tests can forge tokens "with our key". Never used outside tests. */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export interface TestAppOptions {
  env?: Record<string, string>;
  dataDir?: string;
  loginThrottle?: AppOptions['loginThrottle'];
  hashQueue?: AppOptions['hashQueue'];
  logStream?: NodeJS.WritableStream;
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

// Unique across apps and restarts on one data dir: a counter plus this run's random tag.
let userCounter = 0;
const runTag = randomBytes(3).toString('hex');
const freshName = (prefix: string) => `${prefix}_${runTag}_${++userCounter}`;

/**
 * The real app (SQLite in a temp dir, real tokens) driven through `inject`, with a clock the test
 * moves. Passwords are hashed with the real argon2id (15-25 ms a hash).
 */
export async function startTestApp(options: TestAppOptions = {}) {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'jwt-lab-test-')));
  const config = parseConfig({
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: options.logStream ? 'trace' : 'silent',
    ...options.env,
  });
  let nowMs = Date.now();
  const app = await buildApp({
    config,
    now: () => nowMs,
    webRoot: null,
    ...(options.loginThrottle ? { loginThrottle: options.loginThrottle } : {}),
    ...(options.hashQueue ? { hashQueue: options.hashQueue } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  await app.ready();

  const inject = (request: InjectOptions) => app.inject(request);

  return {
    app,
    config,
    dataDir,
    inject,
    /** Resolves once every message handlers sent after answering has been written to the outbox. */
    sendsSettled: () => app.sends.drain(),
    /** Moves the server's clock forward. */
    advance(seconds: number) {
      nowMs += seconds * 1000;
    },
    now: () => nowMs,
    /** A fresh, valid username for each call, so tests never share users. */
    uniqueUsername: (prefix = 'user') => freshName(prefix),

    async register(username: string, password = 'correct horse battery') {
      const response = await inject({ method: 'POST', url: '/api/auth/register', payload: { username, password } });
      if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
      return response.json<{ user: { id: string; username: string } }>().user;
    },

    /** Registers a new user and logs in in header mode. */
    async loginHeader(username = freshName('h'), password = 'correct horse battery') {
      const user = await this.register(username, password);
      const response = await inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, mode: 'header' } });
      const body = response.json<{ accessToken: string; refreshToken: string }>();
      return { user, username, password, accessToken: body.accessToken, refreshToken: body.refreshToken, response };
    },

    /** Registers a new user and logs in in cookie mode; returns the cookies as a client would keep them. */
    async loginCookie(username = freshName('c'), password = 'correct horse battery') {
      const user = await this.register(username, password);
      const response = await inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, mode: 'cookie' } });
      return { user, username, password, ...cookieSession(response), response };
    },

    /** Registers a new user and logs in in memory mode; returns the body's access token and the cookies a browser would keep. */
    async loginMemory(username = freshName('m'), password = 'correct horse battery') {
      const user = await this.register(username, password);
      const response = await inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, mode: 'memory' } });
      return { user, username, password, ...memorySession(response), response };
    },

    /** Registers a new user and logs in in DPoP mode with a proof from `key`. */
    async loginDpop(key: DpopKey, username = freshName('d'), password = 'correct horse battery') {
      const user = await this.register(username, password);
      const proof = await key.proof({ method: 'POST', url: '/api/auth/login', now: nowMs });
      const response = await inject({ method: 'POST', url: '/api/auth/login', headers: { dpop: proof }, payload: { username, password, mode: 'dpop' } });
      const body = response.json<{ accessToken: string; refreshToken: string }>();
      return { user, username, password, accessToken: body.accessToken, refreshToken: body.refreshToken, response };
    },

    /** `Authorization: DPoP` and a fresh proof from `key` for one request. */
    async dpopHeaders(key: DpopKey, method: string, url: string, accessToken: string) {
      return { authorization: `DPoP ${accessToken}`, dpop: await key.proof({ method, url, accessToken, now: nowMs }) };
    },

    async close() {
      await app.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const ACCESS_COOKIE = 'jwtlab_access';
export const REFRESH_COOKIE = 'jwtlab_refresh';

/** The cookies and CSRF token a browser would hold after a cookie-mode login or refresh. */
export function cookieSession(response: LightMyRequestResponse) {
  const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie.value]));
  return {
    accessCookie: cookies[ACCESS_COOKIE]!,
    refreshCookie: cookies[REFRESH_COOKIE]!,
    csrfToken: response.json<{ csrfToken: string }>().csrfToken,
  };
}

export const MEMORY_REFRESH_COOKIE = 'jwtlab_memory_refresh';
export const MEMORY_CSRF_COOKIE = 'jwtlab_memory_csrf';

/** What a memory-mode page holds after a login or refresh: the access token in a variable, and the browser's cookies. */
export function memorySession(response: LightMyRequestResponse) {
  const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie.value]));
  const body = response.json<{ accessToken: string; csrfToken: string }>();
  return { accessToken: body.accessToken, csrfToken: body.csrfToken, refreshCookie: cookies[MEMORY_REFRESH_COOKIE]!, csrfCookie: cookies[MEMORY_CSRF_COOKIE]! };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Headers of a request from the page the test app serves (its own origin), and from another site's page. */
export const SAME_ORIGIN = { host: 'localhost:3000', origin: 'http://localhost:3000' };
export const FOREIGN_ORIGIN = { host: 'localhost:3000', origin: 'http://127.0.0.1:4000' };

/**
 * Asserts that the answer is the API's error envelope (JSON, exactly `error` and `message`, a
 * known code answered with that code's own status) and returns it, so tests read
 * `expect(errorOf(res)).toMatchObject({ status: 401, error: 'token_revoked' })`.
 */
export function errorOf(response: LightMyRequestResponse): { status: number; error: ErrorCode; message: string } {
  expect(response.headers['content-type'], 'an error answer is JSON').toMatch(/^application\/json/);
  const body: unknown = response.json();
  expect(body, 'the error envelope').toEqual({ error: expect.any(String), message: expect.any(String) });
  const { error, message } = body as { error: string; message: string };
  expect(ERROR_CODES, 'a known error code').toContain(error);
  const code = error as ErrorCode;
  expect(response.statusCode, `the status of ${code}`).toBe(ERROR_TABLE[code].status);
  return { status: response.statusCode, error: code, message };
}
