import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CookieModeLogin, HeaderModeLogin, RegisterResponse, type RegisterRequest } from '@jwt-lab/shared';
import { errorCode, parseBody, request, type HttpAnswer } from './http.js';

/** Enough to register and log in; no email, so no message is sent. */
export type Account = Omit<RegisterRequest, 'email'>;

/** What the load targets send, obtained through the public API like any client would. */
export interface Credentials {
  account: Account;
  /** Header mode: `Authorization: Bearer <headerToken>`. */
  headerToken: string;
  /** Cookie mode: the `Cookie` header value carrying the access cookie. */
  accessCookie: string;
  /** A genuine token whose session was logged out: every request with it must be refused. */
  revokedToken: string;
  /** Bytes of a header-mode answer from /api/private: the same-cost reference answers as many. */
  privateBodyBytes: number;
}

/** A register shed with 503 server_busy is retried after its Retry-After, this many times at most. */
const MAX_REGISTER_ATTEMPTS = 10;
const MAX_RETRY_AFTER_SEC = 10;

export function newAccount(): Account {
  return { username: `bench_${randomBytes(6).toString('hex')}`, password: randomBytes(18).toString('base64url') };
}

function expectStatus(answer: HttpAnswer, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${errorCode(answer) ?? JSON.stringify(answer.body ?? '')}`);
  }
}

/** Registers, waiting out the server's load shedding as a well-behaved client does (Retry-After). */
export async function register(baseUrl: string, account: Account): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const answer = await request(`${baseUrl}/api/auth/register`, { method: 'POST', json: account });
    const retryAfterSec = Number(answer.headers['retry-after']);
    const shed = answer.status === 503 && errorCode(answer) === 'server_busy' && retryAfterSec >= 0;
    if (!shed || attempt >= MAX_REGISTER_ATTEMPTS) {
      expectStatus(answer, 201, 'register');
      parseBody(RegisterResponse, answer, 'register');
      return;
    }
    await sleep(Math.min(retryAfterSec, MAX_RETRY_AFTER_SEC) * 1000);
  }
}

export async function loginInHeaderMode(baseUrl: string, account: Account): Promise<string> {
  const answer = await request(`${baseUrl}/api/auth/login`, { method: 'POST', json: { ...account, mode: 'header' } });
  expectStatus(answer, 200, 'login (header mode)');
  return parseBody(HeaderModeLogin, answer, 'login (header mode)').accessToken;
}

async function loginInCookieMode(baseUrl: string, account: Account): Promise<string> {
  const answer = await request(`${baseUrl}/api/auth/login`, { method: 'POST', json: { ...account, mode: 'cookie' } });
  expectStatus(answer, 200, 'login (cookie mode)');
  parseBody(CookieModeLogin, answer, 'login (cookie mode)');
  // Only the access cookie: it is the one a browser sends to /api/private (Path=/api).
  const cookie = (answer.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]!).find((pair) => pair.startsWith('jwtlab_access='));
  if (!cookie) throw new Error('login (cookie mode) set no jwtlab_access cookie');
  return cookie;
}

export async function logout(baseUrl: string, token: string): Promise<void> {
  expectStatus(await request(`${baseUrl}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }), 204, 'logout');
}

/** GET /api/private with the given headers; the bench checks each credential once before loading it. */
export function getPrivate(baseUrl: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return request(`${baseUrl}/api/private`, { headers });
}

/** Registers a fresh user and obtains one credential per target (three logins at the full password cost). */
export async function prepareCredentials(baseUrl: string): Promise<Credentials> {
  const account = newAccount();
  await register(baseUrl, account);
  const headerToken = await loginInHeaderMode(baseUrl, account);
  const accessCookie = await loginInCookieMode(baseUrl, account);
  const revokedToken = await loginInHeaderMode(baseUrl, account);
  await logout(baseUrl, revokedToken);

  const accepted = await getPrivate(baseUrl, { authorization: `Bearer ${headerToken}` });
  expectStatus(accepted, 200, 'private (header mode)');
  expectStatus(await getPrivate(baseUrl, { cookie: accessCookie }), 200, 'private (cookie mode)');
  const refused = await getPrivate(baseUrl, { authorization: `Bearer ${revokedToken}` });
  if (refused.status !== 401 || errorCode(refused) !== 'token_revoked') {
    throw new Error(`a logged-out token should answer 401 token_revoked, got ${refused.status} ${errorCode(refused)}`);
  }
  const privateBodyBytes = Number(accepted.headers['content-length']);
  if (!(privateBodyBytes > 0)) throw new Error('/api/private answered without a Content-Length');
  return { account, headerToken, accessCookie, revokedToken, privateBodyBytes };
}
