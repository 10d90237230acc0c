import type { CredentialMode } from '@jwt-lab/shared';
import { verifyFakeDpopProof } from './fake-dpop';

/**
 * An in-memory stand-in for the API behind a fake `fetch`, following the contract closely enough
 * for the page's logic to be tested end to end in jsdom: real-shaped JWTs, refresh rotation with
 * reuse detection, revocation, the CSRF check, and a cookie jar that honours `credentials`;
 * single-use links with the outbox that stands in for email.
 */

interface User {
  id: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
}

type LinkPurpose = 'verify-email' | 'reset-password';

interface Link {
  purpose: LinkPurpose;
  userId: string;
  /** A reset link only replaces the password it was sent for. */
  password: string;
  spent: boolean;
  expired: boolean;
}

interface FakeOutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  link: string;
  sentAt: string;
}

interface Session {
  mode: CredentialMode;
  /** DPoP: the thumbprint of the key the session's tokens are bound to. */
  jkt?: string;
  sid: string;
  userId: string;
  username: string;
  csrfToken: string;
  revoked: boolean;
  refreshToken: string;
  spentRefreshTokens: Set<string>;
  createdAt: number;
}

interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  body: Record<string, unknown> | undefined;
}

/** The path a fetch call asked for, whichever form its first argument took. */
export const requestPath = (input: RequestInfo | URL): string => (typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);

export function makeJwt(header: object, claims: object, signature = 'c2lnbmF0dXJl'): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode(header)}.${encode(claims)}.${signature}`;
}

function decodeClaims(token: string): { sid: string; exp: number; sub: string } & Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const problem = (status: number, error: string, message = `fake ${error}`) => json(status, { error, message });

export function createFakeApi({ accessTtl = 60, now = () => Date.now(), outboxPage = true } = {}) {
  const users = new Map<string, User>();
  const links = new Map<string, Link>();
  const outbox: FakeOutboxMessage[] = [];
  const sessions = new Map<string, Session>();
  const cookieJar = new Map<'access' | 'refresh' | 'memoryCsrf', string>();
  const usedProofs = new Set<string>();
  const requests: RecordedRequest[] = [];
  let counter = 0;
  let heldRefreshes: Promise<void> | null = null;
  let releaseRefreshes = () => {};

  function issue(session: Session, credentials: RequestCredentials | undefined) {
    const { mode } = session;
    const iat = Math.floor(now() / 1000);
    const claims = {
      iss: 'jwt-lab',
      aud: 'jwt-lab-api',
      sub: session.userId,
      iat,
      exp: iat + accessTtl,
      jti: `jti-${++counter}`,
      sid: session.sid,
      ...(session.jkt ? { cnf: { jkt: session.jkt } } : {}),
    };
    const accessToken = makeJwt({ alg: 'HS256', typ: 'at+jwt' }, claims);
    session.refreshToken = `refresh-${++counter}`;
    const user = { id: session.userId, username: session.username };
    if (mode === 'header') {
      return json(200, { mode, user, accessToken, refreshToken: session.refreshToken, tokenType: 'Bearer', expiresIn: accessTtl });
    }
    if (mode === 'dpop') {
      return json(200, { mode, user, accessToken, refreshToken: session.refreshToken, tokenType: 'DPoP', expiresIn: accessTtl });
    }
    // Like a browser, the jar ignores Set-Cookie on a request sent with credentials: 'omit'.
    if (credentials !== 'omit') {
      if (mode === 'cookie') cookieJar.set('access', accessToken);
      if (mode === 'memory') cookieJar.set('memoryCsrf', session.csrfToken);
      cookieJar.set('refresh', session.refreshToken);
    }
    if (mode === 'memory') return json(200, { mode, user, accessToken, tokenType: 'Bearer', expiresIn: accessTtl, csrfToken: session.csrfToken });
    return json(200, { mode, user, expiresIn: accessTtl, csrfToken: session.csrfToken });
  }

  /** RFC 9449 in miniature: a proof signed by the key the session is bound to, for this request, used once. */
  async function proofProblem(request: RecordedRequest, jkt: string, accessToken?: string): Promise<Response | null> {
    const proof = request.headers.get('dpop');
    const checked = proof ? await verifyFakeDpopProof(proof, { htm: request.method, htu: `http://localhost:3000${request.path.split('?')[0]}`, accessToken }) : null;
    if (!checked || checked.jkt !== jkt || usedProofs.has(checked.jti)) return problem(401, 'invalid_token', 'fake invalid_dpop_proof');
    usedProofs.add(checked.jti);
    return null;
  }

  type Via = 'header' | 'cookie' | 'dpop';

  async function authenticate(request: RecordedRequest): Promise<{ session: Session; via: Via; claims: ReturnType<typeof decodeClaims> } | Response> {
    const authorization = request.headers.get('authorization') ?? '';
    const bearer = /^Bearer /.test(authorization) ? authorization.slice(7) : undefined;
    const dpop = /^DPoP /.test(authorization) ? authorization.slice(5) : undefined;
    const cookie = request.credentials !== 'omit' ? cookieJar.get('access') : undefined;
    const token = bearer ?? dpop ?? cookie;
    if (!token) return problem(401, 'missing_token');
    const claims = decodeClaims(token);
    const session = sessions.get(claims.sid);
    if (!session) return problem(401, 'invalid_token');
    if (session.revoked) return problem(401, 'token_revoked');
    if (claims.exp * 1000 <= now()) return problem(401, 'token_expired');
    if (session.jkt) {
      if (!dpop) return problem(401, 'invalid_token', 'fake: a DPoP-bound token needs the DPoP scheme');
      const refused = await proofProblem(request, session.jkt, token);
      if (refused) return refused;
    }
    return { session, via: dpop ? 'dpop' : bearer ? 'header' : 'cookie', claims };
  }

  function csrfFails(request: RecordedRequest, via: Via, session: Session): boolean {
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
    if (!fromBody && request.headers.get('x-csrf-token') !== session.csrfToken) return problem(403, 'csrf_failed');
    if (session.jkt) {
      const refused = await proofProblem(request, session.jkt);
      if (refused) return refused;
    }
    if (session.spentRefreshTokens.has(token)) {
      session.revoked = true;
      return problem(401, 'refresh_token_reused');
    }
    if (session.revoked) return problem(401, 'invalid_token');
    session.spentRefreshTokens.add(token);
    return issue(session, request.credentials);
  }

  function sendLink(purpose: LinkPurpose, username: string, user: User) {
    const token = `link-${purpose}-${++counter}`;
    links.set(token, { purpose, userId: user.id, password: user.password, spent: false, expired: false });
    const link = `http://localhost:3000/#${purpose}?token=${token}`;
    const subject = purpose === 'verify-email' ? 'Confirm your email address for JWT Lab' : 'Reset your JWT Lab password';
    outbox.unshift({ id: `message-${counter}`, to: user.email ?? '', subject, text: `Hello ${username}: ${link}`, link, sentAt: new Date(now()).toISOString() });
  }

  function spendLink(purpose: LinkPurpose, token: string): { link: Link; username: string; user: User } | Response {
    const link = links.get(token);
    const owner = [...users].find(([, user]) => user.id === link?.userId);
    if (!link || !owner || link.purpose !== purpose) return problem(400, 'invalid_link', 'This link is not valid. Ask for a new one.');
    if (link.expired) return problem(410, 'link_expired', 'This link has expired. Ask for a new one.');
    if (link.spent) return problem(410, 'link_used', 'This link was already used. Each link works once.');
    link.spent = true;
    const [username, user] = owner;
    if (purpose === 'reset-password' && link.password !== user.password) {
      return problem(400, 'invalid_link', 'The password has changed since this link was sent. Ask for a new one.');
    }
    return { link, username, user };
  }

  function linkRoute(route: string, body: Record<string, unknown> | undefined): Response | null {
    const accepted = () => json(202, { message: 'If an account has this address, a message is on its way.' });
    const owner = () => [...users].find(([, user]) => user.email !== undefined && user.email === body?.email);
    if (route === 'POST /api/auth/verify-email/request') {
      const found = owner();
      if (found && !found[1].emailVerified) sendLink('verify-email', ...found);
      return accepted();
    }
    if (route === 'POST /api/auth/password-reset/request') {
      const found = owner();
      if (found) sendLink('reset-password', ...found);
      return accepted();
    }
    if (route === 'POST /api/auth/verify-email') {
      const spent = spendLink('verify-email', String(body?.token));
      if (spent instanceof Response) return spent;
      spent.user.emailVerified = true;
      return json(200, { user: { id: spent.user.id, username: spent.username }, email: spent.user.email, message: `${spent.user.email} is confirmed.` });
    }
    if (route === 'POST /api/auth/password-reset') {
      const password = String(body?.password);
      if (password.length < 8) return problem(400, 'invalid_request', 'The password must have at least 8 characters.');
      const spent = spendLink('reset-password', String(body?.token));
      if (spent instanceof Response) return spent;
      spent.user.password = password;
      let sessionsRevoked = 0;
      for (const session of sessions.values()) {
        if (session.userId === spent.user.id && !session.revoked) {
          session.revoked = true;
          sessionsRevoked++;
        }
      }
      const user = { id: spent.user.id, username: spent.username };
      return json(200, { user, sessionsRevoked, message: `Your password is changed, and every session of ${spent.username} has been logged out (${sessionsRevoked}).` });
    }
    if (route === 'GET /api/outbox') {
      return json(200, outboxPage ? { enabled: true, messages: outbox } : { enabled: false, messages: [] });
    }
    return null;
  }

  async function handle(request: RecordedRequest): Promise<Response> {
    const { method, path, body } = request;
    const route = `${method} ${path}`;
    if (route === 'POST /api/auth/register') {
      const { username, password, email } = body as { username: string; password: string; email?: string };
      if (users.has(username)) return problem(409, 'username_taken', 'That username is already taken.');
      const user: User = { id: `user-${++counter}`, password, ...(email === undefined ? {} : { email }) };
      users.set(username, user);
      if (email !== undefined) sendLink('verify-email', username, user);
      return json(201, { user: { id: user.id, username } });
    }
    const linkAnswer = linkRoute(route, body);
    if (linkAnswer) return linkAnswer;
    if (route === 'POST /api/auth/login') {
      const { username, password, mode } = body as { username: string; password: string; mode: CredentialMode };
      const user = users.get(username);
      if (!user || user.password !== password) return problem(401, 'invalid_credentials', 'The username or password is wrong.');
      let jkt: string | undefined;
      if (mode === 'dpop') {
        const proof = request.headers.get('dpop');
        const checked = proof ? await verifyFakeDpopProof(proof, { htm: 'POST', htu: 'http://localhost:3000/api/auth/login' }) : null;
        if (!checked) return problem(400, 'invalid_request', 'fake: a DPoP login needs a valid proof');
        jkt = checked.jkt;
      }
      const session: Session = {
        mode,
        ...(jkt ? { jkt } : {}),
        sid: `sid-${++counter}`,
        userId: user.id,
        username,
        csrfToken: `csrf-${counter}`,
        revoked: false,
        refreshToken: '',
        spentRefreshTokens: new Set(),
        createdAt: now(),
      };
      sessions.set(session.sid, session);
      return issue(session, request.credentials);
    }
    if (route === 'POST /api/auth/refresh') return refresh(request);
    const auth = await authenticate(request);
    if (auth instanceof Response) return auth;
    const user = { id: auth.session.userId, username: auth.session.username };
    if (route === 'GET /api/auth/session') {
      const csrf = auth.via === 'cookie' ? { csrfToken: auth.session.csrfToken } : {};
      return json(200, { user, mode: auth.session.mode, expiresAt: new Date(auth.claims.exp * 1000).toISOString(), ...csrf });
    }
    if (route === 'GET /api/private') return json(200, { message: `Hello, ${user.username}.`, user, claims: auth.claims, via: auth.via });
    if (route === 'GET /api/auth/sessions') {
      const live = [...sessions.values()].filter((session) => session.userId === auth.session.userId && !session.revoked).reverse();
      const at = (ms: number) => new Date(ms).toISOString();
      return json(200, {
        sessions: live.map((session) => ({
          id: session.sid,
          current: session === auth.session,
          mode: session.mode,
          createdAt: at(session.createdAt),
          lastUsedAt: at(session.createdAt),
          expiresAt: at(session.createdAt + 7 * 24 * 3600 * 1000),
          userAgent: `Fake browser ${session.sid}`,
          ip: '127.0.0.1',
        })),
      });
    }
    if (method === 'DELETE' && path.startsWith('/api/auth/sessions/')) {
      if (csrfFails(request, auth.via, auth.session)) return problem(403, 'csrf_failed');
      const target = sessions.get(decodeURIComponent(path.slice('/api/auth/sessions/'.length)));
      if (!target || target.userId !== auth.session.userId || target.revoked) return problem(404, 'not_found');
      target.revoked = true;
      return new Response(null, { status: 204 });
    }
    if (route === 'POST /api/auth/logout' || route === 'POST /api/auth/logout-all') {
      if (csrfFails(request, auth.via, auth.session)) return problem(403, 'csrf_failed');
      for (const session of sessions.values()) {
        if (session === auth.session || (route.endsWith('-all') && session.userId === auth.session.userId)) session.revoked = true;
      }
      if (request.credentials !== 'omit' && (auth.session.mode === 'cookie' || auth.session.mode === 'memory')) cookieJar.clear();
      return new Response(null, { status: 204 });
    }
    return problem(404, 'not_found');
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      path: requestPath(input),
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
    /** What document.cookie would show: only the readable memory-mode CSRF cookie, never an HttpOnly one. */
    visibleCookies: () => (cookieJar.has('memoryCsrf') ? `jwtlab_memory_csrf=${cookieJar.get('memoryCsrf')}` : ''),
    outbox,
    /** Adds an account directly, as an earlier visit would have. */
    addUser(username: string, password: string, email?: string) {
      users.set(username, { id: `user-${++counter}`, password, ...(email === undefined ? {} : { email }) });
    },
    /** Logs a user in from "another browser": a session the page did not create. */
    addSessionElsewhere(username: string, mode: CredentialMode = 'header') {
      const user = users.get(username);
      if (!user) throw new Error(`no user ${username}`);
      const session: Session = { sid: `sid-${++counter}`, userId: user.id, username, csrfToken: `csrf-${counter}`, revoked: false, refreshToken: '', spentRefreshTokens: new Set(), mode, createdAt: now() };
      sessions.set(session.sid, session);
      return { id: session.sid, isRevoked: () => session.revoked };
    },
    /** Revokes every session of a user, as another browser could. */
    revokeSessionsOf(username: string) {
      for (const session of sessions.values()) if (session.username === username) session.revoked = true;
    },
    /** Lets every link sent so far run out, as fifteen minutes would. */
    expireLinks() {
      for (const link of links.values()) link.expired = true;
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
