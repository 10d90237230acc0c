import type { CredentialMode } from '@jwt-lab/shared';

/**
 * An in-memory stand-in for the API behind a fake `fetch`, following the contract closely enough
 * for the page's logic to be tested end to end in jsdom: real-shaped JWTs, refresh rotation with
 * reuse detection, revocation, the CSRF check, and a cookie jar that honours `credentials`.
 */

interface Session {
  sid: string;
  userId: string;
  username: string;
  csrfToken: string;
  revoked: boolean;
  refreshToken: string;
  spentRefreshTokens: Set<string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  body: Record<string, unknown> | undefined;
}

export function makeJwt(header: object, claims: object, signature = 'c2lnbmF0dXJl'): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode(header)}.${encode(claims)}.${signature}`;
}

function decodeClaims(token: string): { sid: string; exp: number; sub: string } & Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const problem = (status: number, error: string, message = `fake ${error}`) => json(status, { error, message });

export function createFakeApi({ accessTtl = 60, now = () => Date.now() } = {}) {
  const users = new Map<string, { id: string; password: string }>();
  const sessions = new Map<string, Session>();
  const cookieJar = new Map<'access' | 'refresh', string>();
  const requests: RecordedRequest[] = [];
  let counter = 0;
  let heldRefreshes: Promise<void> | null = null;
  let releaseRefreshes = () => {};

  function issue(session: Session, mode: CredentialMode, credentials: RequestCredentials | undefined) {
    const iat = Math.floor(now() / 1000);
    const claims = { iss: 'jwt-lab', aud: 'jwt-lab-api', sub: session.userId, iat, exp: iat + accessTtl, jti: `jti-${++counter}`, sid: session.sid };
    const accessToken = makeJwt({ alg: 'HS256', typ: 'at+jwt' }, claims);
    session.refreshToken = `refresh-${++counter}`;
    const user = { id: session.userId, username: session.username };
    if (mode === 'header') {
      return json(200, { mode, user, accessToken, refreshToken: session.refreshToken, tokenType: 'Bearer', expiresIn: accessTtl });
    }
    // Like a browser, the jar ignores Set-Cookie on a request sent with credentials: 'omit'.
    if (credentials !== 'omit') {
      cookieJar.set('access', accessToken);
      cookieJar.set('refresh', session.refreshToken);
    }
    return json(200, { mode, user, expiresIn: accessTtl, csrfToken: session.csrfToken });
  }

  function authenticate(request: RecordedRequest): { session: Session; via: CredentialMode; claims: ReturnType<typeof decodeClaims> } | Response {
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
    const cookie = request.credentials !== 'omit' ? cookieJar.get('access') : undefined;
    const token = bearer ?? cookie;
    if (!token) return problem(401, 'missing_token');
    const claims = decodeClaims(token);
    const session = sessions.get(claims.sid);
    if (!session) return problem(401, 'invalid_token');
    if (session.revoked) return problem(401, 'token_revoked');
    if (claims.exp * 1000 <= now()) return problem(401, 'token_expired');
    return { session, via: bearer ? 'header' : 'cookie', claims };
  }

  function csrfFails(request: RecordedRequest, via: CredentialMode, session: Session): boolean {
    return via === 'cookie' && request.headers.get('x-csrf-token') !== session.csrfToken;
  }

  async function refresh(request: RecordedRequest): Promise<Response> {
    await heldRefreshes;
    const fromBody = typeof request.body?.refreshToken === 'string' ? request.body.refreshToken : undefined;
    const fromCookie = request.credentials !== 'omit' ? cookieJar.get('refresh') : undefined;
    const token = fromBody ?? fromCookie;
    if (!token) return problem(401, 'missing_token');
    const session = [...sessions.values()].find((candidate) => candidate.refreshToken === token || candidate.spentRefreshTokens.has(token));
    if (!session) return problem(401, 'invalid_token');
    const mode: CredentialMode = fromBody ? 'header' : 'cookie';
    if (mode === 'cookie' && request.headers.get('x-csrf-token') !== session.csrfToken) return problem(403, 'csrf_failed');
    if (session.spentRefreshTokens.has(token)) {
      session.revoked = true;
      return problem(401, 'refresh_token_reused');
    }
    if (session.revoked) return problem(401, 'invalid_token');
    session.spentRefreshTokens.add(token);
    return issue(session, mode, request.credentials);
  }

  async function handle(request: RecordedRequest): Promise<Response> {
    const { method, path, body } = request;
    const route = `${method} ${path}`;
    if (route === 'POST /api/auth/register') {
      const { username, password } = body as { username: string; password: string };
      if (users.has(username)) return problem(409, 'username_taken', 'That username is already taken.');
      const id = `user-${++counter}`;
      users.set(username, { id, password });
      return json(201, { user: { id, username } });
    }
    if (route === 'POST /api/auth/login') {
      const { username, password, mode } = body as { username: string; password: string; mode: CredentialMode };
      const user = users.get(username);
      if (!user || user.password !== password) return problem(401, 'invalid_credentials', 'The username or password is wrong.');
      const session: Session = {
        sid: `sid-${++counter}`,
        userId: user.id,
        username,
        csrfToken: `csrf-${counter}`,
        revoked: false,
        refreshToken: '',
        spentRefreshTokens: new Set(),
      };
      sessions.set(session.sid, session);
      return issue(session, mode, request.credentials);
    }
    if (route === 'POST /api/auth/refresh') return refresh(request);
    const auth = authenticate(request);
    if (auth instanceof Response) return auth;
    const user = { id: auth.session.userId, username: auth.session.username };
    if (route === 'GET /api/auth/session') {
      const csrf = auth.via === 'cookie' ? { csrfToken: auth.session.csrfToken } : {};
      return json(200, { user, mode: auth.via, expiresAt: new Date(auth.claims.exp * 1000).toISOString(), ...csrf });
    }
    if (route === 'GET /api/private') return json(200, { message: `Hello, ${user.username}.`, user, claims: auth.claims, via: auth.via });
    if (route === 'POST /api/auth/logout' || route === 'POST /api/auth/logout-all') {
      if (csrfFails(request, auth.via, auth.session)) return problem(403, 'csrf_failed');
      for (const session of sessions.values()) {
        if (session === auth.session || (route.endsWith('-all') && session.userId === auth.session.userId)) session.revoked = true;
      }
      if (auth.via === 'cookie') cookieJar.clear();
      return new Response(null, { status: 204 });
    }
    return problem(404, 'not_found');
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      path: String(input),
      headers: new Headers(init.headers),
      credentials: init.credentials,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    return handle(request);
  };

  return {
    fetch,
    requests,
    cookieJar,
    /** Adds an account directly, as an earlier visit would have. */
    addUser(username: string, password: string) {
      users.set(username, { id: `user-${++counter}`, password });
    },
    /** Holds every refresh answer until `release()`, so that tests can make refreshes overlap. */
    holdRefreshes() {
      heldRefreshes = new Promise((resolve) => (releaseRefreshes = resolve));
      return () => {
        heldRefreshes = null;
        releaseRefreshes();
      };
    },
    countRequests: (method: string, path: string) => requests.filter((request) => request.method === method && request.path === path).length,
  };
}

export type FakeApi = ReturnType<typeof createFakeApi>;
