import type { CookieModeLogin, CredentialMode, DpopModeLogin, HeaderModeLogin, MemoryModeLogin, SessionResponse } from '@jwt-lab/shared';
import type { LoginAttacher } from '../../../lib/api-client';

/**
 * A page strategy: where the page keeps its credential, how a request carries it, how it is
 * refreshed and forgotten, and what a reload or a new tab finds. One implementation per storage
 * strategy, each in its own file of this folder, which is the only code of the page that touches
 * localStorage, sessionStorage, document.cookie (for credentials), IndexedDB (for keys), or the
 * Authorization, DPoP and X-CSRF-Token headers. Everything else asks a strategy.
 */

/** The page's strategies, in the order the Storage mode group lists them. */
export const STRATEGY_IDS = ['localStorage', 'sessionStorage', 'memory', 'cookie', 'dpop'] as const;
export type StrategyId = (typeof STRATEGY_IDS)[number];

export function isStrategyId(value: unknown): value is StrategyId {
  return typeof value === 'string' && (STRATEGY_IDS as readonly string[]).includes(value);
}

/** What a login or refresh may answer, whatever the mode. */
type LoginAnswer = HeaderModeLogin | CookieModeLogin | MemoryModeLogin | DpopModeLogin;

/** What the page holds between requests. */
export interface StoredCredential {
  /** Changes with every login or refresh: how a tab tells that another tab refreshed meanwhile. */
  stamp: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
  /** The access token when a page script can read it; null when only the browser holds it (HttpOnly cookie). */
  accessToken: string | null;
}

/** The strategy's own words, for every place of the page that explains it. */
export interface StrategyDescription {
  /** The Storage mode option's name; it begins with the storage (tests find it that way). */
  label: string;
  /** One or two words for "… mode" sentences. */
  short: string;
  hint: string;
  /** Where the access token lives, for the inspector ("It lives in …"). */
  tokenHome: string;
  /** What a successful login means here, for the welcome line. */
  afterLogin: string;
  /** What a refresh did, for the notice after Refresh token. */
  afterRefresh: string;
}

export interface PageStrategy extends LoginAttacher {
  readonly id: StrategyId;
  readonly serverMode: CredentialMode;
  readonly description: StrategyDescription;
  /**
   * Whether the other tabs of the origin hold the same session (localStorage, cookies, IndexedDB)
   * or each tab its own (sessionStorage): what a logout or login in one tab means for the others.
   */
  readonly sharedWithOtherTabs: boolean;
  /** The credential this page can use right now, or null. */
  read(): StoredCredential | null;
  /**
   * True when what this origin keeps says there may be a session to pick up: after a reload, or
   * in a new tab. (Memory mode: the readable CSRF cookie, with no access token yet.)
   */
  restorable(): boolean;
  /** Makes ready what a login needs (DPoP: a fresh key pair). */
  prepareLogin(): Promise<void>;
  /** Keeps what a login or refresh answer hands over; null when the answer belongs to another mode. */
  keep(answer: LoginAnswer, now: number): StoredCredential | null;
  /** Learns from GET /api/auth/session what the server says about the credential it was sent. */
  noteSession(session: SessionResponse): StoredCredential | null;
  /** Forgets everything this strategy keeps in the page (the server clears its own cookies on logout). */
  clear(): Promise<void>;
  /** DPoP: the RFC 7638 thumbprint of the page's key, which bound tokens name in `cnf.jkt`. */
  keyThumbprint?(): Promise<string | null>;
}
