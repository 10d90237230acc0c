import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptStore, SeenProofStore, SessionRecord, SessionStore, SpentLinkStore, UserStore } from './types.js';

/** What the suite needs from one engine's adapters. */
export interface StoresUnderTest {
  users: UserStore;
  links: SpentLinkStore;
  proofs: SeenProofStore;
  sessions: SessionStore;
  attempts: AttemptStore;
  close(): Promise<void>;
}

const HOUR = 60 * 60 * 1000;

/**
 * The one suite every store adapter must pass: each rule documented in types.ts, proved against
 * the real engine. Times are near the real clock because Redis expires keys by its own clock.
 */
export function describeStoreContract(engine: string, open: () => Promise<StoresUnderTest>) {
  describe(`${engine} stores`, () => {
    let stores: StoresUnderTest;
    let t0: number;
    beforeAll(async () => {
      stores = await open();
      t0 = Date.now();
    });
    afterAll(async () => {
      await stores?.close();
    });

    const unique = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
    const newUser = (username = unique('user'), email: string | null = null) => ({
      id: randomUUID(),
      username,
      passwordHash: `scrypt$${randomUUID()}`,
      createdAt: t0,
      email,
      emailVerifiedAt: null,
    });
    /** A stored user to own sessions: the SQLite schema refuses a session of an unknown user. */
    const storedUserId = async () => {
      const user = newUser();
      await stores.users.create(user);
      return user.id;
    };
    const newSession = async (overrides: Partial<SessionRecord> = {}): Promise<SessionRecord> => ({
      id: randomUUID(),
      userId: overrides.userId ?? (await storedUserId()),
      mode: 'header',
      csrfToken: randomUUID(),
      refreshJti: randomUUID(),
      createdAt: t0,
      expiresAt: t0 + HOUR,
      revokedAt: null,
      device: 'Firefox on Linux',
      ip: '203.0.113.7',
      lastUsedAt: t0,
      ...overrides,
    });
    const next = (expiresAt = t0 + 2 * HOUR) => ({ jti: randomUUID(), expiresAt });

    describe('users', () => {
      it('finds a created user by id and by username', async () => {
        const user = newUser();
        expect(await stores.users.create(user)).toBe(true);
        expect(await stores.users.findById(user.id)).toEqual(user);
        expect(await stores.users.findByUsername(user.username)).toEqual(user);
      });

      it('answers undefined for an unknown id or username', async () => {
        expect(await stores.users.findById(randomUUID())).toBeUndefined();
        expect(await stores.users.findByUsername(unique('nobody'))).toBeUndefined();
      });

      it('treats usernames case-insensitively: lookup matches and a differently cased duplicate is refused', async () => {
        const user = newUser(unique('Mixed'));
        await stores.users.create(user);
        expect(await stores.users.findByUsername(user.username.toUpperCase())).toEqual(user);
        expect(await stores.users.create(newUser(user.username.toLowerCase()))).toBe(false);
        expect(await stores.users.findByUsername(user.username)).toEqual(user);
      });
    });

    describe('user email and password', () => {
      it('finds every account of an address, case-insensitively, and none of another', async () => {
        const email = `${unique('Mail')}@Example.test`;
        const first = newUser(undefined, email);
        const second = newUser(undefined, email.toLowerCase());
        await stores.users.create(first);
        await stores.users.create(second);
        await stores.users.create(newUser(undefined, `${unique('other')}@example.test`));
        const found = await stores.users.findByEmail(email.toUpperCase());
        expect(found.map((user) => user.id).sort()).toEqual([first.id, second.id].sort());
        expect(await stores.users.findByEmail(`${unique('nobody')}@example.test`)).toEqual([]);
      });

      it('marks an address verified and replaces a password hash', async () => {
        const user = newUser(undefined, `${unique('v')}@example.test`);
        await stores.users.create(user);
        await stores.users.markEmailVerified(user.id, t0 + 5);
        await stores.users.setPasswordHash(user.id, 'scrypt$new');
        expect(await stores.users.findById(user.id)).toEqual({ ...user, emailVerifiedAt: t0 + 5, passwordHash: 'scrypt$new' });
      });
    });

    // Spent links and seen DPoP proofs keep one promise: an id is accepted once until it expires.
    for (const [name, storeOf] of [
      ['spent links', () => stores.links],
      ['seen DPoP proofs', () => stores.proofs],
    ] as const) {
      describe(name, () => {
        it('spends an id once: the second spend, even concurrent, is refused', async () => {
          const id = randomUUID();
          const results = await Promise.all([storeOf().spend(id, t0 + HOUR), storeOf().spend(id, t0 + HOUR)]);
          expect(results.sort()).toEqual([false, true]);
          expect(await storeOf().spend(id, t0 + HOUR)).toBe(false);
        });

        it('keeps ids apart: spending one leaves another unspent', async () => {
          const [first, second] = [randomUUID(), randomUUID()];
          expect(await storeOf().spend(first, t0 + HOUR)).toBe(true);
          expect(await storeOf().spend(second, t0 + HOUR)).toBe(true);
        });

        it('forgets ids once they expired (they could not be used anyway), and keeps the live ones', async () => {
          // Redis expires keys by its own clock, so this expiry is real and short.
          const now = Date.now();
          const expired = randomUUID();
          const live = randomUUID();
          await storeOf().spend(expired, now + 40);
          await storeOf().spend(live, now + HOUR);
          await new Promise((resolve) => setTimeout(resolve, 80));
          await storeOf().purgeExpired(Date.now());
          expect(await storeOf().spend(expired, Date.now() + HOUR)).toBe(true);
          expect(await storeOf().spend(live, Date.now() + HOUR)).toBe(false);
        });
      });
    }

    describe('sessions', () => {
      it('finds a created session, and answers undefined for an unknown id', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        expect(await stores.sessions.find(session.id)).toEqual(session);
        expect(await stores.sessions.find(randomUUID())).toBeUndefined();
      });

      it('hands out copies: changing a found record changes nothing stored', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        const found = (await stores.sessions.find(session.id))!;
        found.revokedAt = t0;
        found.userId = 'someone else';
        expect(await stores.sessions.find(session.id)).toEqual(session);
      });

      it("rotates the current refresh jti ('rotated'), after which the new one is current", async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        const first = next();
        expect(await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, first, t0 + 1000)).toBe('rotated');
        expect(await stores.sessions.find(session.id)).toEqual({ ...session, refreshJti: first.jti, expiresAt: first.expiresAt });
        const second = next(t0 + 3 * HOUR);
        expect(await stores.sessions.rotateRefreshToken(session.id, first.jti, second, t0 + 2000)).toBe('rotated');
        expect((await stores.sessions.find(session.id))?.refreshJti).toBe(second.jti);
      });

      it("answers 'reused' for an older jti and revokes the session at that moment", async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        const rotated = next();
        await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, rotated, t0 + 1000);
        expect(await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, next(), t0 + 2000)).toBe('reused');
        expect(await stores.sessions.find(session.id)).toMatchObject({ refreshJti: rotated.jti, revokedAt: t0 + 2000 });
        // Even the jti that was current is spent now: the session has ended.
        expect(await stores.sessions.rotateRefreshToken(session.id, rotated.jti, next(), t0 + 3000)).toBe('ended');
      });

      it("answers 'ended' for an unknown, a revoked or an expired session, and changes nothing", async () => {
        expect(await stores.sessions.rotateRefreshToken(randomUUID(), randomUUID(), next(), t0)).toBe('ended');

        const revoked = await newSession();
        await stores.sessions.create(revoked);
        await stores.sessions.revoke(revoked.id, t0 + 1000);
        expect(await stores.sessions.rotateRefreshToken(revoked.id, revoked.refreshJti, next(), t0 + 2000)).toBe('ended');
        expect(await stores.sessions.find(revoked.id)).toEqual({ ...revoked, revokedAt: t0 + 1000 });

        const expired = await newSession();
        await stores.sessions.create(expired);
        expect(await stores.sessions.rotateRefreshToken(expired.id, expired.refreshJti, next(), expired.expiresAt)).toBe('ended');
        expect(await stores.sessions.find(expired.id)).toEqual(expired);
      });

      it('lets exactly one of two simultaneous rotations of the same jti win (compare-and-swap)', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        const results = await Promise.all([
          stores.sessions.rotateRefreshToken(session.id, session.refreshJti, next(), t0 + 1000),
          stores.sessions.rotateRefreshToken(session.id, session.refreshJti, next(), t0 + 1000),
        ]);
        expect(results.sort()).toEqual(['reused', 'rotated']);
        expect((await stores.sessions.find(session.id))?.revokedAt).toBe(t0 + 1000);
      });

      it('revokes idempotently: a second revoke neither fails nor moves the revocation time; an unknown id is no error', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        await stores.sessions.revoke(session.id, t0 + 1000);
        await stores.sessions.revoke(session.id, t0 + 5000);
        expect(await stores.sessions.find(session.id)).toEqual({ ...session, revokedAt: t0 + 1000 });
        await expect(stores.sessions.revoke(randomUUID(), t0)).resolves.toBeUndefined();
      });

      it("revokes every live session of one user, returns their ids, and spares other users' sessions", async () => {
        const userId = await storedUserId();
        const [a, b, alreadyRevoked] = [await newSession({ userId }), await newSession({ userId, mode: 'cookie' }), await newSession({ userId })];
        const otherUsers = await newSession();
        for (const session of [a, b, alreadyRevoked, otherUsers]) await stores.sessions.create(session);
        await stores.sessions.revoke(alreadyRevoked.id, t0 + 500);

        expect((await stores.sessions.revokeAllForUser(userId, t0 + 1000)).sort()).toEqual([a.id, b.id].sort());
        expect((await stores.sessions.find(a.id))?.revokedAt).toBe(t0 + 1000);
        expect((await stores.sessions.find(b.id))?.revokedAt).toBe(t0 + 1000);
        expect((await stores.sessions.find(alreadyRevoked.id))?.revokedAt).toBe(t0 + 500);
        expect(await stores.sessions.find(otherUsers.id)).toEqual(otherUsers);
        expect(await stores.sessions.revokeAllForUser(userId, t0 + 2000)).toEqual([]);
      });

      it('includes rotated sessions when revoking all of a user', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, next(t0 + 5 * HOUR), t0 + 1000);
        expect(await stores.sessions.revokeAllForUser(session.userId, t0 + 2000)).toEqual([session.id]);
      });

      it("lists a user's live sessions newest first, without revoked, expired or other users' sessions", async () => {
        const userId = await storedUserId();
        const oldest = await newSession({ userId, createdAt: t0 - 3000, mode: 'cookie', device: 'Safari on iPhone', ip: '2001:db8::1' });
        const newest = await newSession({ userId, createdAt: t0 - 1000 });
        const middle = await newSession({ userId, createdAt: t0 - 2000 });
        const revoked = await newSession({ userId, createdAt: t0 - 500 });
        const expired = await newSession({ userId, createdAt: t0 - 4 * HOUR, expiresAt: t0 + 10 });
        for (const session of [oldest, newest, middle, revoked, expired, await newSession()]) await stores.sessions.create(session);
        await stores.sessions.revoke(revoked.id, t0);

        expect(await stores.sessions.listForUser(userId, t0 + 20)).toEqual([newest, middle, oldest]);
        expect(await stores.sessions.listForUser(await storedUserId(), t0)).toEqual([]);
      });

      it('lists a rotated session with its new expiry, and stops listing it once revoked for reuse', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        const rotated = next(t0 + 5 * HOUR);
        await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, rotated, t0 + 1000);
        expect(await stores.sessions.listForUser(session.userId, t0 + 2000)).toEqual([{ ...session, refreshJti: rotated.jti, expiresAt: rotated.expiresAt }]);
        await stores.sessions.rotateRefreshToken(session.id, session.refreshJti, next(), t0 + 3000);
        expect(await stores.sessions.listForUser(session.userId, t0 + 4000)).toEqual([]);
      });

      it('records when a session was last used, never moving it back, and ignores an unknown id', async () => {
        const session = await newSession();
        await stores.sessions.create(session);
        await stores.sessions.find(session.id); // a cached copy must follow the write too
        await stores.sessions.recordUse(session.id, t0 + 60_000);
        expect((await stores.sessions.find(session.id))?.lastUsedAt).toBe(t0 + 60_000);
        await stores.sessions.recordUse(session.id, t0 + 30_000);
        expect(await stores.sessions.find(session.id)).toEqual({ ...session, lastUsedAt: t0 + 60_000 });
        expect((await stores.sessions.listForUser(session.userId, t0))[0]?.lastUsedAt).toBe(t0 + 60_000);
        await expect(stores.sessions.recordUse(randomUUID(), t0)).resolves.toBeUndefined();
        expect(await stores.sessions.find(randomUUID())).toBeUndefined();
      });

      it('forgets sessions whose last token expired, and keeps the others', async () => {
        // Redis expires keys by its own clock, so this expiry is real and short.
        const now = Date.now();
        const expiring = await newSession({ createdAt: now, expiresAt: now + 40 });
        const live = await newSession({ createdAt: now, expiresAt: now + HOUR });
        await stores.sessions.create(expiring);
        await stores.sessions.create(live);
        expect(await stores.sessions.find(expiring.id)).toEqual(expiring);
        await new Promise((resolve) => setTimeout(resolve, 80));
        await stores.sessions.purgeExpired(Date.now());
        expect(await stores.sessions.find(expiring.id)).toBeUndefined();
        expect(await stores.sessions.find(live.id)).toEqual(live);
      });
    });

    describe('attempts', () => {
      const WINDOW = 15 * 60 * 1000;
      const LIMIT = 3;
      const reserve = (key: string, at: number, limit = LIMIT) => stores.attempts.reserve(key, limit, WINDOW, at);

      it('counts within one window that ends windowMs after the first attempt', async () => {
        const key = unique('login:user');
        expect(await reserve(key, t0)).toEqual({ granted: true, count: 1, resetAt: t0 + WINDOW });
        expect(await reserve(key, t0 + 1000)).toEqual({ granted: true, count: 2, resetAt: t0 + WINDOW });
        expect(await stores.attempts.peek(key, t0 + 2000)).toEqual({ count: 2, resetAt: t0 + WINDOW });
      });

      it('refuses a reservation once the window holds the limit, and counts nothing for it', async () => {
        const key = unique('login:user');
        for (let i = 0; i < LIMIT; i++) expect((await reserve(key, t0 + i)).granted).toBe(true);
        expect(await reserve(key, t0 + 10)).toEqual({ granted: false, count: LIMIT, resetAt: t0 + WINDOW });
        expect(await stores.attempts.peek(key, t0 + 10)).toEqual({ count: LIMIT, resetAt: t0 + WINDOW });
      });

      it('grants at most the limit to concurrent reservations', async () => {
        const key = unique('login:user');
        const results = await Promise.all(Array.from({ length: 20 }, () => reserve(key, t0, 7)));
        expect(results.filter((result) => result.granted)).toHaveLength(7);
        expect(await stores.attempts.peek(key, t0)).toEqual({ count: 7, resetAt: t0 + WINDOW });
      });

      it('gives back a released attempt, never below zero, and never to an ended window', async () => {
        const key = unique('login:user');
        for (let i = 0; i < LIMIT; i++) await reserve(key, t0);
        await stores.attempts.release(key, t0 + 1);
        expect(await stores.attempts.peek(key, t0 + 1)).toEqual({ count: LIMIT - 1, resetAt: t0 + WINDOW });
        expect((await reserve(key, t0 + 2)).granted).toBe(true);
        for (let i = 0; i < LIMIT + 2; i++) await stores.attempts.release(key, t0 + 3);
        expect(await stores.attempts.peek(key, t0 + 3)).toEqual({ count: 0, resetAt: t0 + WINDOW });
        await stores.attempts.release(unique('login:user'), t0);
        expect(await stores.attempts.peek(key, t0 + WINDOW)).toBeUndefined();
      });

      it('answers undefined for a key never counted', async () => {
        expect(await stores.attempts.peek(unique('login:user'), t0)).toBeUndefined();
      });

      it('starts a new window once the old one has ended', async () => {
        const key = unique('login:client');
        for (let i = 0; i < LIMIT; i++) await reserve(key, t0 + i);
        expect(await stores.attempts.peek(key, t0 + WINDOW)).toBeUndefined();
        expect(await reserve(key, t0 + WINDOW)).toEqual({ granted: true, count: 1, resetAt: t0 + 2 * WINDOW });
      });

      it('resets one key and leaves the others counting', async () => {
        const [key, other] = [unique('login:user'), unique('login:user')];
        await reserve(key, t0);
        await reserve(other, t0);
        await stores.attempts.reset(key);
        expect(await stores.attempts.peek(key, t0)).toBeUndefined();
        expect(await stores.attempts.peek(other, t0)).toEqual({ count: 1, resetAt: t0 + WINDOW });
        expect(await reserve(key, t0 + 10)).toEqual({ granted: true, count: 1, resetAt: t0 + 10 + WINDOW });
      });
    });
  });
}
