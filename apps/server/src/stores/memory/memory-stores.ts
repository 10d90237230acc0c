import type { AttemptStore, AttemptWindow, SeenProofStore, SessionRecord, SessionStore, SpentLinkStore, UserRecord, UserStore } from '../types.js';

// In-memory adapters: for unit tests only (nothing survives a restart, nothing is shared).

export function createMemoryUserStore() {
  const byId = new Map<string, UserRecord>();
  const idByName = new Map<string, string>();
  return {
    create: async (user) => {
      const name = user.username.toLowerCase();
      if (idByName.has(name)) return false;
      idByName.set(name, user.id);
      byId.set(user.id, { ...user });
      return true;
    },
    findByUsername: async (username) => {
      const id = idByName.get(username.toLowerCase());
      return id === undefined ? undefined : { ...byId.get(id)! };
    },
    findById: async (id) => {
      const user = byId.get(id);
      return user && { ...user };
    },
    findByEmail: async (email) =>
      [...byId.values()].filter((user) => user.email?.toLowerCase() === email.toLowerCase()).map((user) => ({ ...user })),
    markEmailVerified: async (id, at) => {
      const user = byId.get(id);
      if (user) user.emailVerifiedAt = at;
    },
    setPasswordHash: async (id, passwordHash) => {
      const user = byId.get(id);
      if (user) user.passwordHash = passwordHash;
    },
  } satisfies UserStore;
}

export function createMemorySpentLinkStore() {
  const spent = new Map<string, number>();
  return {
    spend: async (jti, expiresAt) => {
      if (spent.has(jti)) return false;
      spent.set(jti, expiresAt);
      return true;
    },
    purgeExpired: async (now) => {
      for (const [jti, expiresAt] of spent) if (expiresAt <= now) spent.delete(jti);
    },
  } satisfies SpentLinkStore;
}

/** Seen DPoP proofs follow the spent-link contract exactly. */
export const createMemorySeenProofStore = (): SeenProofStore => createMemorySpentLinkStore();

export function createMemorySessionStore() {
  const sessions = new Map<string, SessionRecord>();
  return {
    create: async (session) => void sessions.set(session.id, { ...session }),
    find: async (id) => {
      const session = sessions.get(id);
      return session && { ...session };
    },
    rotateRefreshToken: async (id, presentedJti, next, now) => {
      const session = sessions.get(id);
      if (!session || session.revokedAt !== null || session.expiresAt <= now) return 'ended';
      if (session.refreshJti !== presentedJti) {
        session.revokedAt = now;
        return 'reused';
      }
      session.refreshJti = next.jti;
      session.expiresAt = next.expiresAt;
      return 'rotated';
    },
    revoke: async (id, now) => {
      const session = sessions.get(id);
      if (session && session.revokedAt === null) session.revokedAt = now;
    },
    listForUser: async (userId, now) =>
      [...sessions.values()]
        .filter((session) => session.userId === userId && session.revokedAt === null && session.expiresAt > now)
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((session) => ({ ...session })),
    recordUse: async (id, at) => {
      const session = sessions.get(id);
      if (session && session.lastUsedAt < at) session.lastUsedAt = at;
    },
    revokeAllForUser: async (userId, now) => {
      const revoked: string[] = [];
      for (const session of sessions.values()) {
        if (session.userId === userId && session.revokedAt === null) {
          session.revokedAt = now;
          revoked.push(session.id);
        }
      }
      return revoked;
    },
    purgeExpired: async (now) => {
      for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
    },
  } satisfies SessionStore;
}

export function createMemoryAttemptStore() {
  const windows = new Map<string, AttemptWindow>();
  const live = (key: string, now: number) => {
    const window = windows.get(key);
    return window && window.resetAt > now ? window : undefined;
  };
  return {
    reserve: async (key, limit, windowMs, now) => {
      const window = live(key, now) ?? { count: 0, resetAt: now + windowMs };
      const granted = window.count < limit;
      if (granted) windows.set(key, { count: window.count + 1, resetAt: window.resetAt });
      return { granted, count: granted ? window.count + 1 : window.count, resetAt: window.resetAt };
    },
    release: async (key, now) => {
      const window = live(key, now);
      if (window && window.count > 0) windows.set(key, { count: window.count - 1, resetAt: window.resetAt });
    },
    peek: async (key, now) => {
      const window = live(key, now);
      return window && { ...window };
    },
    reset: async (key) => void windows.delete(key),
  } satisfies AttemptStore;
}
