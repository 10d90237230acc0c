import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessTokenClaims, CredentialMode, PublicUser, TokenConfirmation } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import type { SessionRecord, Stores, UserRecord } from '../stores/types.js';
import type { RefreshTokenClaims, TokenService } from '../tokens/token-service.js';
import type { IssuedSession } from '../transports/transport.js';
import type { PasswordHasher } from './passwords.js';
import { describeDevice } from './device-description.js';
import { publicUser } from './public-user.js';
import { createBoundedMap } from '../collections/bounded-map.js';
import type { LinkRequestLimiter, LoginLimiter, PerClientLimiter } from './request-limits.js';
import { refuseTokenWith } from './token-refusal.js';

/** Who a verified access token speaks for. */
export interface Authenticated {
  user: PublicUser;
  session: SessionRecord;
  claims: AccessTokenClaims;
}

/** A login's result: the session to deliver, and the device token that lets this browser past a username lock later. */
export interface LoginResult {
  issued: IssuedSession;
  device: { token: string; exp: number };
}

/** Who is asking, as far as the limits care. */
export interface LoginClient {
  /** The client's address (per-client limits). */
  ip: string;
  /** The User-Agent header: the sessions list describes the device from it. */
  userAgent?: string | undefined;
  /** The device token this browser holds for this username, if any. */
  deviceToken?: string | undefined;
}

export interface SessionServiceOptions {
  stores: Stores;
  tokens: TokenService;
  passwords: PasswordHasher;
  loginLimits: LoginLimiter;
  registerLimits: PerClientLimiter;
  linkRequestLimits: LinkRequestLimiter;
  /** SESSION_MAX_AGE in seconds: a session ends this long after login, however often it was refreshed. */
  sessionMaxAge: number;
  now: () => number;
}

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
export function createSessionService(options: SessionServiceOptions) {
  const { stores, tokens, passwords, loginLimits, registerLimits, linkRequestLimits, now } = options;
  const sessionMaxAgeMs = options.sessionMaxAge * 1000;
  const sessionEnd = (session: SessionRecord) => session.createdAt + sessionMaxAgeMs;
  // A user's id and username never change, so the one per request need not be read again.
  const publicUsers = createBoundedMap<string, PublicUser>({ capacity: PUBLIC_USER_CACHE_SIZE });
  async function findPublicUser(id: string): Promise<PublicUser | undefined> {
    const known = publicUsers.get(id);
    if (known) return known;
    const user = await stores.users.findById(id);
    if (!user) return undefined;
    const found = publicUser(user);
    publicUsers.set(id, found);
    return found;
  }

  /** `binding`: the key both tokens are bound to (DPoP), carried from login through every refresh. */
  async function issue(user: PublicUser, session: SessionRecord, refreshJti: string, binding: TokenConfirmation | undefined): Promise<IssuedSession> {
    const [access, refresh] = await Promise.all([
      tokens.issueAccessToken({ sub: user.id, sid: session.id, cnf: binding }, sessionEnd(session)),
      tokens.issueRefreshToken({ sub: user.id, sid: session.id, jti: refreshJti, cnf: binding }, sessionEnd(session)),
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

  /** The device id of a device token this browser got at an earlier login as this user. */
  async function knownDevice(deviceToken: string, userId: string): Promise<string | undefined> {
    const claims = await tokens.verifyDeviceToken(deviceToken).catch(() => undefined);
    return claims?.sub === userId ? claims.did : undefined;
  }

  /** An old (scrypt) or weaker hash is replaced now that the password is known; a busy server tries next time. */
  async function upgradeHash(user: UserRecord, password: string) {
    try {
      await stores.users.setPasswordHash(user.id, await passwords.hash(password));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'server_busy')) throw error;
    }
  }

  return {
    /**
     * Counts against the client's registration limit first (each one costs a hash), and an address
     * given here against that address's link limit, since it is sent a message.
     */
    async register(username: string, password: string, client: string, email?: string): Promise<UserRecord> {
      const registration = await registerLimits.count(client);
      if (email) {
        await linkRequestLimits.count(client, email).catch(async (error: unknown) => {
          await registration.release();
          throw error;
        });
      }
      const passwordHash = await passwords.hash(password).catch(async (error: unknown) => {
        await registration.release();
        throw error;
      });
      const user: UserRecord = { id: randomUUID(), username, passwordHash, createdAt: now(), email: email ?? null, emailVerifiedAt: null };
      if (!(await stores.users.create(user))) throw new ApiError('username_taken');
      return user;
    },

    /** Unknown user and wrong password take the same path, time and answer. */
    /** `binding`: the key a DPoP login's tokens are bound to (its proof's thumbprint). */
    async login(username: string, password: string, mode: CredentialMode, client: LoginClient, binding?: TokenConfirmation): Promise<LoginResult> {
      const user = await stores.users.findByUsername(username);
      const deviceId = user && client.deviceToken ? await knownDevice(client.deviceToken, user.id) : undefined;
      const attempt = await loginLimits.begin(client.ip, username, deviceId);
      let valid: boolean;
      try {
        valid = user ? await passwords.verify(user.passwordHash, password) : await passwords.verifyDecoy(password);
      } catch (error) {
        await attempt.notJudged();
        throw error;
      }
      if (!user || !valid) {
        await attempt.failed();
        throw new ApiError('invalid_credentials');
      }
      await attempt.succeeded();
      if (passwords.needsRehash(user.passwordHash)) await upgradeHash(user, password);
      const refreshJti = randomUUID();
      const createdAt = now();
      const session: SessionRecord = {
        id: randomBytes(16).toString('base64url'),
        userId: user.id,
        mode,
        csrfToken: randomBytes(32).toString('base64url'),
        refreshJti,
        createdAt,
        expiresAt: Math.min(createdAt + tokens.refreshTokenTtl * 1000, createdAt + sessionMaxAgeMs),
        revokedAt: null,
        device: describeDevice(client.userAgent),
        ip: client.ip,
        lastUsedAt: createdAt,
      };
      await stores.sessions.create(session);
      const [issued, device] = await Promise.all([issue(publicUser(user), session, refreshJti, binding), tokens.issueDeviceToken({ sub: user.id })]);
      return { issued, device };
    },

    /** Signature and claims first, then the session: revocation is checked on every request. */
    async authenticate(accessToken: string): Promise<Authenticated> {
      const claims = await tokens.verifyAccessToken(accessToken).catch(refuseAccessToken);
      const session = await stores.sessions.find(claims.sid);
      // A well-signed token for a session we never had is as suspicious as a forged one.
      if (!session || session.userId !== claims.sub) throw new ApiError('invalid_token');
      if (session.revokedAt !== null) throw new ApiError('token_revoked');
      // Tokens never outlive their session, but SESSION_MAX_AGE may have been lowered since they were issued.
      if (now() >= sessionEnd(session)) throw new ApiError('token_expired', 'This session has reached its maximum age; log in again.');
      const user = await findPublicUser(claims.sub);
      if (!user) throw new ApiError('invalid_token');
      if (now() - session.lastUsedAt >= LAST_USED_RESOLUTION_MS) await stores.sessions.recordUse(session.id, now());
      return { user, session, claims };
    },

    /**
     * Rotates: the presented refresh token is spent and a new pair issued. A refresh token used a
     * second time means it was copied, so the whole session is revoked. `checkRequest` runs before
     * anything is spent (the transport's own-request check: CSRF, or DPoP's proof from the bound
     * key), so a refused request costs the user nothing. The new tokens keep the old ones' key binding.
     */
    async refresh(refreshToken: string, checkRequest: (session: SessionRecord, claims: RefreshTokenClaims) => void | Promise<void> = () => {}): Promise<IssuedSession> {
      const claims = await tokens.verifyRefreshToken(refreshToken).catch(refuseRefreshToken);
      const session = await stores.sessions.find(claims.sid);
      if (!session || session.userId !== claims.sub) throw new ApiError('invalid_token');
      await checkRequest(session, claims);
      const nextJti = randomUUID();
      // Refreshing never extends a session past its maximum age; past it, the store answers 'ended'.
      const nextExpiresAt = Math.min(now() + tokens.refreshTokenTtl * 1000, sessionEnd(session));
      const result = await stores.sessions.rotateRefreshToken(session.id, claims.jti, { jti: nextJti, expiresAt: nextExpiresAt }, now());
      if (result === 'reused') throw new ApiError('refresh_token_reused');
      if (result === 'ended') throw new ApiError('invalid_token', 'This session has ended; log in again.');
      const user = await stores.users.findById(session.userId);
      if (!user) throw new ApiError('invalid_token');
      return issue(publicUser(user), { ...session, refreshJti: nextJti, expiresAt: nextExpiresAt }, nextJti, claims.cnf);
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
