import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessTokenClaims, CredentialMode, PublicUser, TokenConfirmation } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import type { SessionRecord, Stores, UserRecord } from '../stores/types.js';
import type { RefreshTokenClaims, TokenService } from '../tokens/token-service.js';
import type { IssuedSession } from '../transports/transport.js';
import type { AttemptThrottle } from './attempt-throttle.js';
import type { PasswordHasher } from './passwords.js';
import { refuseTokenWith } from './token-refusal.js';

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

  /** `binding`: the key both tokens are bound to (DPoP), carried from login through every refresh. */
  async function issue(user: PublicUser, session: SessionRecord, refreshJti: string, binding: TokenConfirmation | undefined): Promise<IssuedSession> {
    const [access, refresh] = await Promise.all([
      tokens.issueAccessToken({ sub: user.id, sid: session.id, cnf: binding }),
      tokens.issueRefreshToken({ sub: user.id, sid: session.id, jti: refreshJti, cnf: binding }),
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
    async login(username: string, password: string, mode: CredentialMode, client: string, binding?: TokenConfirmation): Promise<IssuedSession> {
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
      };
      await stores.sessions.create(session);
      return issue(publicUser(user), session, refreshJti, binding);
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
      const nextExpiresAt = now() + tokens.refreshTokenTtl * 1000;
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
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
