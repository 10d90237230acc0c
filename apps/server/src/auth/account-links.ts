import { createHash } from 'node:crypto';
import type { LinkPurpose } from '@jwt-lab/shared';
import { ApiError } from '../errors/api-error.js';
import type { Outbox } from '../outbox/outbox.js';
import type { SendQueue } from '../outbox/send-queue.js';
import type { Stores, UserRecord } from '../stores/types.js';
import type { TokenService } from '../tokens/token-service.js';
import type { PasswordHasher } from './passwords.js';
import type { PerClientLimiter } from './request-limits.js';
import { publicUser } from './public-user.js';
import { refuseTokenWith } from './token-refusal.js';

const refuseLink = refuseTokenWith('link_expired', 'invalid_link');

export interface AccountLinkOptions {
  stores: Stores;
  tokens: TokenService;
  passwords: PasswordHasher;
  /** A reset hashes the new password: limited per client like registration. */
  resetLimits: PerClientLimiter;
  outbox: Outbox;
  /** Messages go out after the answer, through this queue (drained when the app closes). */
  sends: SendQueue;
  /** Links point here, never at the Host header of the request that asked (host header injection). */
  publicUrl: () => string;
  linkTokenTtl: number;
  now: () => number;
}

/** Ties a reset link to the password it may replace: any password change makes the link useless. */
const passwordFingerprint = (passwordHash: string) => createHash('sha256').update(passwordHash).digest('base64url').slice(0, 22);

/**
 * Single-use links that stand in for email: verify an address, reset a forgotten password.
 * Each link is a JWT of its own type and audience, lives LINK_TOKEN_TTL, and is spent on first use.
 */
export function createAccountLinks({ stores, tokens, passwords, resetLimits, outbox, sends, publicUrl, linkTokenTtl, now }: AccountLinkOptions) {
  // The token rides in the fragment: browsers never send it to a server, so it cannot reach
  // access logs or a Referer header; the page reads it and removes it from the address bar.
  const linkTo = (route: string, token: string) => `${publicUrl()}/#${route}?token=${token}`;
  const minutes = Math.round(linkTokenTtl / 60);

  async function sendVerification(user: UserRecord) {
    const { token } = await tokens.issueLinkToken({ sub: user.id, purpose: 'verify-email' });
    const link = linkTo('verify-email', token);
    await outbox.send({ to: user.email!, subject: 'Confirm your email address for JWT Lab', link, text: `Hello ${user.username}, open this link within ${minutes} minutes to confirm this address: ${link}` });
  }

  async function sendReset(user: UserRecord) {
    const { token } = await tokens.issueLinkToken({ sub: user.id, purpose: 'password-reset', pwd: passwordFingerprint(user.passwordHash) });
    const link = linkTo('reset-password', token);
    await outbox.send({ to: user.email!, subject: 'Reset your JWT Lab password', link, text: `Hello ${user.username}, open this link within ${minutes} minutes to choose a new password: ${link}. If you did not ask for it, ignore this message.` });
  }

  /**
   * Verifies signature, type, purpose and expiry, then spends the jti (a second use is link_used),
   * then runs the purpose's own check: a link refused by it is spent too, and useless anyway.
   */
  async function spend(token: string, purpose: LinkPurpose, check: (user: UserRecord, claims: { pwd?: string }) => void) {
    const claims = await tokens.verifyLinkToken(token, purpose).catch(refuseLink);
    if (!(await stores.links.spend(claims.jti, claims.exp * 1000))) throw new ApiError('link_used');
    const user = await stores.users.findById(claims.sub);
    if (!user) throw new ApiError('invalid_link');
    check(user, claims);
    return user;
  }

  return {
    /**
     * Queues a message for every account with this address that needs one, after the answer:
     * the caller answers the same, at the same speed, whether or not any account matched.
     */
    requestVerification(email: string, onError: (error: unknown) => void): void {
      sends.later(async () => {
        for (const user of await stores.users.findByEmail(email)) if (!user.emailVerifiedAt) await sendVerification(user);
      }, onError);
    },

    requestPasswordReset(email: string, onError: (error: unknown) => void): void {
      sends.later(async () => {
        for (const user of await stores.users.findByEmail(email)) await sendReset(user);
      }, onError);
    },

    /** After registration with an address: queued, so that the answer does not wait for it. */
    queueVerification(user: UserRecord, onError: (error: unknown) => void): void {
      sends.later(() => sendVerification(user), onError);
    },

    async verifyEmail(token: string) {
      const user = await spend(token, 'verify-email', () => {});
      await stores.users.markEmailVerified(user.id, now());
      return { user: publicUser(user), email: user.email! };
    },

    /**
     * Sets the new password and ends every session of the user: whoever had the old one is out.
     * The new password is hashed before the link is spent, so a busy server (503 server_busy)
     * leaves the link usable for the retry.
     */
    async resetPassword(token: string, newPassword: string, client: string) {
      await tokens.verifyLinkToken(token, 'password-reset').catch(refuseLink);
      const attempt = await resetLimits.count(client);
      const passwordHash = await passwords.hash(newPassword).catch(async (error: unknown) => {
        await attempt.release();
        throw error;
      });
      const user = await spend(token, 'password-reset', (current, claims) => {
        if (claims.pwd !== passwordFingerprint(current.passwordHash)) {
          throw new ApiError('invalid_link', 'The password has changed since this link was sent. Ask for a new one.');
        }
      });
      await stores.users.setPasswordHash(user.id, passwordHash);
      const revoked = await stores.sessions.revokeAllForUser(user.id, now());
      return { user: publicUser(user), sessionsRevoked: revoked.length };
    },
  };
}

export type AccountLinks = ReturnType<typeof createAccountLinks>;
