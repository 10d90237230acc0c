import type { CredentialMode } from '@jwt-lab/shared';
import type { KeyStorage } from '../tokens/key-storage.js';

// The small interfaces the domain talks to. Each engine (SQLite, Redis, memory for unit tests)
// has one adapter, and every adapter passes the one shared suite in store-contract.ts.
// Times are milliseconds since the epoch, always passed in, so that stores never read a clock.

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
  /** Optional at registration; several accounts may share one address. */
  email?: string | null;
  emailVerifiedAt?: number | null;
}

export interface UserStore {
  /** Returns false when the username is taken (case-insensitively). */
  create(user: UserRecord): Promise<boolean>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Every account registered with this address (case-insensitively). */
  findByEmail(email: string): Promise<UserRecord[]>;
  markEmailVerified(id: string, at: number): Promise<void>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
}

/** The ids (jti) of single-use link tokens already spent, kept until the links expire. */
export interface SpentLinkStore {
  /** Records the jti; false when it was already spent. Atomic: of two concurrent uses one wins. */
  spend(jti: string, expiresAt: number): Promise<boolean>;
  purgeExpired(now: number): Promise<void>;
}

/**
 * The ids of DPoP proofs already presented (RFC 9449's jti check), each kept until its proof is too
 * old to be accepted anyway. The same contract as SpentLinkStore, and shared by every instance that
 * shares the store, so that a proof replayed to another instance is refused there too.
 */
export type SeenProofStore = SpentLinkStore;

export interface SessionRecord {
  /** The `sid` claim of every token of this login. */
  id: string;
  userId: string;
  mode: CredentialMode;
  /** Bound to the session: cookie-mode requests that change state must echo it. */
  csrfToken: string;
  /** jti of the one refresh token that may still be used. */
  refreshJti: string;
  createdAt: number;
  /** When the newest refresh token expires; the session cannot outlive it. */
  expiresAt: number;
  revokedAt: number | null;
  /** A short description of the device from the login's User-Agent ("Firefox on Linux"), for the sessions list. */
  device: string;
  /** The client address the login came from (as TRUST_PROXY lets the app see it). */
  ip: string;
  /** Last time a token of this session was accepted, to the minute (see recordUse). */
  lastUsedAt: number;
}

export type RotationResult = 'rotated' | 'reused' | 'ended';

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  find(id: string): Promise<SessionRecord | undefined>;
  /**
   * Atomically swaps the usable refresh jti: 'rotated' when `presentedJti` was the current one,
   * 'reused' when it was an older one (the session is then revoked at `now`), 'ended' when the
   * session is unknown, revoked or expired.
   */
  rotateRefreshToken(id: string, presentedJti: string, next: { jti: string; expiresAt: number }, now: number): Promise<RotationResult>;
  /** Idempotent: revoking twice is not an error (the tutorial crashed on a second logout). */
  revoke(id: string, now: number): Promise<void>;
  /** The user's live sessions (neither revoked nor expired at `now`), newest first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /**
   * Records that the session was used at `at` (never moves lastUsedAt back; an unknown id is no
   * error). Callers write it at most once a minute per session, never on every request.
   */
  recordUse(id: string, at: number): Promise<void>;
  /** Revokes every live session of the user and returns their ids. */
  revokeAllForUser(userId: string, now: number): Promise<string[]>;
  /** Forgets sessions whose last token expired before `now`. */
  purgeExpired(now: number): Promise<void>;
}

export interface AttemptWindow {
  count: number;
  resetAt: number;
}

export interface AttemptReservation extends AttemptWindow {
  /** False when the window already held `limit` attempts: nothing was counted. */
  granted: boolean;
}

/**
 * Counts attempts per key in fixed windows: the memory of the login and request limits. An attempt
 * is reserved *before* the work it stands for (a password hash), so parallel requests cannot all
 * pass a check that only reads the count; one that turns out not to count is released.
 */
export interface AttemptStore {
  /**
   * Counts one attempt unless the key's window already holds `limit`. Atomic: of any number of
   * concurrent calls in one window, at most `limit` are granted.
   */
  reserve(key: string, limit: number, windowMs: number, now: number): Promise<AttemptReservation>;
  /** Gives back one attempt counted in the key's current window (never below zero). */
  release(key: string, now: number): Promise<void>;
  peek(key: string, now: number): Promise<AttemptWindow | undefined>;
  reset(key: string): Promise<void>;
}

export interface Stores {
  /** The engines in use, as /api/health reports them. */
  kind: 'sqlite' | 'redis' | 'postgres' | 'postgres+redis';
  users: UserStore;
  links: SpentLinkStore;
  proofs: SeenProofStore;
  sessions: SessionStore;
  attempts: AttemptStore;
  /** Where the signing keys are kept: DATA_DIR/keys, or PostgreSQL with DATABASE_URL. */
  signingKeys: KeyStorage;
  /** Resolves when the engines answer; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where a store reports that it stopped or started trusting itself (the app's logger fits). */
export interface StoreLog {
  info(message: string): void;
  warn(message: string): void;
}

/** The engine cannot be reached or failed: the request fails closed with 503 store_unavailable. */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
