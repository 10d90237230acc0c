import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessTokenClaims, CredentialMode, PublicUser } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import type { SessionRecord, Stores, UserRecord } from '../stores/types.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AttemptThrottle } from './attempt-throttle.js';
import type { PasswordHasher } from './passwords.js';
import { describeDevice } from './device-description.js';
import { refuseTokenWith } from './token-refusal.js';

/** What a login or a refresh hands to a transport to deliver. */
export interface IssuedSession {
  user: PublicUser;
  session: SessionRecord;
  accessToken: string;
  accessClaims: AccessTokenClaims;
  refreshToken: string;
  refreshExpiresAt: number;
}

/** Who a verified access token speaks for. */
export interface Authenticated {
  user: PublicUser;
  session: SessionRecord;
  claims: AccessTokenClaims;
}

export interface SessionServiceOptions {
  stores: Stores;
  tokens: TokenService;
  passwords: PasswordHasher;
  throttle: AttemptThrottle;
  now: () => number;
}

export const publicUser = (user: { id: string; username: string }): PublicUser => ({ id: user.id, username: user.username });

const refuseAccessToken = refuseTokenWith('token_expired', 'invalid_token');
const refuseRefreshToken = refuseTokenWith('invalid_token', 'invalid_token', 'The refresh token has expired; log in again.');

const PUBLIC_USER_CACHE_SIZE = 10_000;

/**
 * How precisely the sessions list knows when a session was last used. Writing the time on every
 * accepted token would put a store write on the hot path; instead a request writes it only when
 * the session's known lastUsedAt is at least this old, so a busy session costs one write a minute
 * (per instance at most, since each instance judges by its own copy) and the list is at most a
 * minute behind.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Accounts and login sessions: every rule of who may hold which token, independent of HTTP. */
export function createSessionService({ stores, tokens, passwords, throttle, now }: SessionServiceOptions) {
  // A user's id and username never change, so the one per request need not be read again.
  const publicUsers = new Map<string, PublicUser>();
  async function findPublicUser(id: string): Promise<PublicUser | undefined> {
    const known = publicUsers.get(id);
    if (known) return known;
    const user = await stores.users.findById(id);
    if (!user) return undefined;
    if (publicUsers.size >= PUBLIC_USER_CACHE_SIZE) publicUsers.delete(publicUsers.keys().next().value!);
    const found = publicUser(user);
    publicUsers.set(id, found);
    return found;
  }

  async function issue(user: PublicUser, session: SessionRecord, refreshJti: string): Promise<IssuedSession> {
    const [access, refresh] = await Promise.all([
      tokens.issueAccessToken({ sub: user.id, sid: session.id }),
      tokens.issueRefreshToken({ sub: user.id, sid: session.id, jti: refreshJti }),
    ]);
    return {
      user,
      session,
      accessToken: access.token,
      accessClaims: access.claims,
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.exp * 1000,
    };
  }

  return {
    async register(username: string, password: string, email?: string): Promise<UserRecord> {
      const user: UserRecord = { id: randomUUID(), username, passwordHash: await passwords.hash(password), createdAt: now(), email: email ?? null, emailVerifiedAt: null };
      if (!(await stores.users.create(user))) throw new ApiError('username_taken');
      return user;
    },

    /** Unknown user and wrong password take the same path, time and answer. */
    async login(username: string, password: string, mode: CredentialMode, client: string, userAgent?: string): Promise<IssuedSession> {
      await throttle.assertAllowed(client, username);
      const user = await stores.users.findByUsername(username);
      const valid = user ? await passwords.verify(user.passwordHash, password) : await passwords.verifyDecoy(password);
      if (!user || !valid) {
        await throttle.recordFailure(client, username);
        throw new ApiError('invalid_credentials');
      }
      await throttle.recordSuccess(username);
      const refreshJti = randomUUID();
      const session: SessionRecord = {
        id: randomBytes(16).toString('base64url'),
        userId: user.id,
        mode,
        csrfToken: randomBytes(32).toString('base64url'),
        refreshJti,
        createdAt: now(),
        expiresAt: now() + tokens.refreshTokenTtl * 1000,
        revokedAt: null,
        device: describeDevice(userAgent),
        ip: client,
        lastUsedAt: now(),
      };
      await stores.sessions.create(session);
      return issue(publicUser(user), session, refreshJti);
    },

    /** Signature and claims first, then the session: revocation is checked on every request. */
    async authenticate(accessToken: string): Promise<Authenticated> {
      const claims = await tokens.verifyAccessToken(accessToken).catch(refuseAccessToken);
      const session = await stores.sessions.find(claims.sid);
      // A well-signed token for a session we never had is as suspicious as a forged one.
      if (!session || session.userId !== claims.sub) throw new ApiError('invalid_token');
      if (session.revokedAt !== null) throw new ApiError('token_revoked');
      const user = await findPublicUser(claims.sub);
      if (!user) throw new ApiError('invalid_token');
      if (now() - session.lastUsedAt >= LAST_USED_RESOLUTION_MS) await stores.sessions.recordUse(session.id, now());
      return { user, session, claims };
    },

    /**
     * Rotates: the presented refresh token is spent and a new pair issued. A refresh token used a
     * second time means it was copied, so the whole session is revoked. `checkRequest` runs before
     * anything is spent (the CSRF check of cookie mode), so a refused request costs the user nothing.
     */
    async refresh(refreshToken: string, checkRequest: (session: SessionRecord) => void = () => {}): Promise<IssuedSession> {
      const claims = await tokens.verifyRefreshToken(refreshToken).catch(refuseRefreshToken);
      const session = await stores.sessions.find(claims.sid);
      if (!session || session.userId !== claims.sub) throw new ApiError('invalid_token');
      checkRequest(session);
      const nextJti = randomUUID();
      const nextExpiresAt = now() + tokens.refreshTokenTtl * 1000;
      const result = await stores.sessions.rotateRefreshToken(session.id, claims.jti, { jti: nextJti, expiresAt: nextExpiresAt }, now());
      if (result === 'reused') throw new ApiError('refresh_token_reused');
      if (result === 'ended') throw new ApiError('invalid_token', 'This session has ended; log in again.');
      const user = await stores.users.findById(session.userId);
      if (!user) throw new ApiError('invalid_token');
      return issue(publicUser(user), { ...session, refreshJti: nextJti, expiresAt: nextExpiresAt }, nextJti);
    },

    async logout(sessionId: string): Promise<void> {
      await stores.sessions.revoke(sessionId, now());
    },

    async logoutEverywhere(userId: string): Promise<void> {
      await stores.sessions.revokeAllForUser(userId, now());
    },

    /** The user's live sessions, newest first. */
    async listSessions(userId: string): Promise<SessionRecord[]> {
      return stores.sessions.listForUser(userId, now());
    },

    /**
     * Revokes one live session of this user, on every instance before it returns (as logout does).
     * Another user's session, an unknown id and an ended session all answer not_found alike, so
     * that the answer tells nobody whether someone else's session id exists.
     */
    async revokeSession(userId: string, sessionId: string): Promise<void> {
      const session = await stores.sessions.find(sessionId);
      if (!session || session.userId !== userId || session.revokedAt !== null || session.expiresAt <= now()) {
        throw new ApiError('not_found', 'You have no live session with that id.');
      }
      await stores.sessions.revoke(sessionId, now());
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
