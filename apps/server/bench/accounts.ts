import { randomBytes } from 'node:crypto';
import { errorCode, request, type HttpAnswer } from './http.js';

export interface Account {
  username: string;
  password: string;
}

/** What the load targets send, obtained through the public API like any client would. */
export interface Credentials {
  account: Account;
  /** Header mode: `Authorization: Bearer <headerToken>`. */
  headerToken: string;
  /** Cookie mode: the `Cookie` header value carrying the access cookie. */
  accessCookie: string;
  /** A genuine token whose session was logged out: every request with it must be refused. */
  revokedToken: string;
}

export function newAccount(): Account {
  return { username: `bench_${randomBytes(6).toString('hex')}`, password: randomBytes(18).toString('base64url') };
}

function expectStatus(answer: HttpAnswer, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${errorCode(answer) ?? JSON.stringify(answer.body ?? '')}`);
  }
}

export async function register(baseUrl: string, account: Account): Promise<void> {
  expectStatus(await request(`${baseUrl}/api/auth/register`, { method: 'POST', json: account }), 201, 'register');
}

export async function loginInHeaderMode(baseUrl: string, account: Account): Promise<string> {
  const answer = await request(`${baseUrl}/api/auth/login`, { method: 'POST', json: { ...account, mode: 'header' } });
  expectStatus(answer, 200, 'login (header mode)');
  const token = (answer.body as { accessToken?: unknown }).accessToken;
  if (typeof token !== 'string') throw new Error('login (header mode) answered no accessToken');
  return token;
}

async function loginInCookieMode(baseUrl: string, account: Account): Promise<string> {
  const answer = await request(`${baseUrl}/api/auth/login`, { method: 'POST', json: { ...account, mode: 'cookie' } });
  expectStatus(answer, 200, 'login (cookie mode)');
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

  expectStatus(await getPrivate(baseUrl, { authorization: `Bearer ${headerToken}` }), 200, 'private (header mode)');
  expectStatus(await getPrivate(baseUrl, { cookie: accessCookie }), 200, 'private (cookie mode)');
  const refused = await getPrivate(baseUrl, { authorization: `Bearer ${revokedToken}` });
  if (refused.status !== 401 || errorCode(refused) !== 'token_revoked') {
    throw new Error(`a logged-out token should answer 401 token_revoked, got ${refused.status} ${errorCode(refused)}`);
  }
  return { account, headerToken, accessCookie, revokedToken };
}
