import type { CookieModeLogin, CredentialMode, HeaderModeLogin, SessionResponse } from '@jwt-lab/shared';
import { readExpiry } from './jwt';

/**
 * The one module that touches localStorage, the Authorization header and the X-CSRF-Token header.
 * Each storage mode is one strategy behind the same small interface; nothing else in the page
 * asks "which mode am I in?" to decide how a request carries its credential.
 */

/**
 * CSRF_HEADER of @jwt-lab/shared, spelled out (a test pins the two together): importing any value
 * from that package puts every schema, and TypeBox's builder, into the page's first download.
 */
export const CSRF_HEADER = 'x-csrf-token';

/** localStorage keys, in one place so that the page can show them and tests can find them. */
export const STORAGE_KEYS = {
  mode: 'jwtlab.mode',
  accessToken: 'jwtlab.accessToken',
  refreshToken: 'jwtlab.refreshToken',
  cookieSession: 'jwtlab.cookieSession',
} as const;

/** How a request's credential travelled, as the request log shows it. */
export type Carrier = 'authorization-header' | 'cookie' | 'body' | 'none';

/**
 * What a request needs: `none` (register, log in), `read` (GET with the access token),
 * `change` (a state-changing call with the access token), `refresh` (the refresh token).
 */
export type CredentialUse = 'none' | 'read' | 'change' | 'refresh';

export interface CredentialAttachment {
  headers: Record<string, string>;
  credentials: RequestCredentials;
  /** Fields to merge into the JSON body (header mode sends its refresh token this way). */
  body?: Record<string, string>;
  carrier: Carrier;
  csrfSent: boolean;
}

/** What the page keeps between requests, reloads and tabs. */
export interface StoredCredential {
  /** Changes with every login or refresh: how a tab tells that another tab refreshed meanwhile. */
  stamp: string;
  /** When the access token expires, in milliseconds since the epoch. */
  expiresAt: number;
  /** The access token itself in header mode; always null in cookie mode, where scripts cannot read it. */
  accessToken: string | null;
}

export interface CredentialStrategy {
  readonly mode: CredentialMode;
  /** The credential this origin holds right now (shared by every tab), or null. */
  read(): StoredCredential | null;
  /** Keeps what a login or refresh answer hands over; null when the answer belongs to the other mode. */
  keep(answer: HeaderModeLogin | CookieModeLogin, now: number): StoredCredential | null;
  /** Learns from GET /api/auth/session what the server says about the credential it was sent. */
  noteSession(session: SessionResponse): StoredCredential | null;
  /** Forgets everything this mode keeps in the page (the server clears its own cookies on logout). */
  clear(): void;
  attach(use: CredentialUse): CredentialAttachment;
}

export function createHeaderStrategy(storage: Storage = localStorage): CredentialStrategy {
  const read = (): StoredCredential | null => {
    const accessToken = storage.getItem(STORAGE_KEYS.accessToken);
    if (!accessToken) return null;
    // An undecodable token counts as expired: the page refreshes it or gives up, never trusts it.
    return { stamp: accessToken, expiresAt: readExpiry(accessToken) ?? 0, accessToken };
  };
  return {
    mode: 'header',
    read,
    keep(answer) {
      if (answer.mode !== 'header') return null;
      storage.setItem(STORAGE_KEYS.accessToken, answer.accessToken);
      storage.setItem(STORAGE_KEYS.refreshToken, answer.refreshToken);
      return read();
    },
    noteSession: () => read(),
    clear() {
      storage.removeItem(STORAGE_KEYS.accessToken);
      storage.removeItem(STORAGE_KEYS.refreshToken);
    },
    attach(use) {
      // 'omit': a cookie left over from cookie mode must not ride along and blur the comparison.
      const none: CredentialAttachment = { headers: {}, credentials: 'omit', carrier: 'none', csrfSent: false };
      if (use === 'none') return none;
      if (use === 'refresh') {
        const refreshToken = storage.getItem(STORAGE_KEYS.refreshToken);
        return refreshToken ? { ...none, body: { refreshToken }, carrier: 'body' } : none;
      }
      const accessToken = storage.getItem(STORAGE_KEYS.accessToken);
      return accessToken ? { ...none, headers: { authorization: `Bearer ${accessToken}` }, carrier: 'authorization-header' } : none;
    },
  };
}

interface CookieSessionRecord {
  csrfToken: string;
  expiresAt: number;
  stamp: string;
}

/**
 * Cookie mode keeps no token in the page, only a record of the session: its CSRF token (not a
 * credential: useless without the HttpOnly cookies, which no other site can make the browser
 * send) and the expiry, so that a reload, or a tab opened later, can refresh without a login.
 */
export function createCookieStrategy(storage: Storage = localStorage): CredentialStrategy {
  const readRecord = (): CookieSessionRecord | null => {
    try {
      const record: unknown = JSON.parse(storage.getItem(STORAGE_KEYS.cookieSession) ?? 'null');
      return isCookieSessionRecord(record) ? record : null;
    } catch {
      return null;
    }
  };
  const write = (record: CookieSessionRecord): StoredCredential => {
    storage.setItem(STORAGE_KEYS.cookieSession, JSON.stringify(record));
    return toCredential(record);
  };
  const toCredential = ({ stamp, expiresAt }: CookieSessionRecord): StoredCredential => ({ stamp, expiresAt, accessToken: null });
  return {
    mode: 'cookie',
    read() {
      const record = readRecord();
      return record && toCredential(record);
    },
    keep(answer, now) {
      if (answer.mode !== 'cookie') return null;
      const expiresAt = now + answer.expiresIn * 1000;
      return write({ csrfToken: answer.csrfToken, expiresAt, stamp: `${now}:${expiresAt}` });
    },
    noteSession({ csrfToken, expiresAt }) {
      const record = readRecord();
      if (!csrfToken) return record && toCredential(record);
      // Same token, so the stamp stays: other tabs must not mistake this for a refresh.
      const at = Date.parse(expiresAt);
      return write({ csrfToken, expiresAt: at, stamp: record?.stamp ?? `session:${at}` });
    },
    clear() {
      storage.removeItem(STORAGE_KEYS.cookieSession);
    },
    attach(use) {
      const record = readRecord();
      // The browser adds the cookies by itself; the page can only say whether it expects some.
      const attachment: CredentialAttachment = { headers: {}, credentials: 'same-origin', carrier: record ? 'cookie' : 'none', csrfSent: false };
      if (record && (use === 'change' || use === 'refresh')) {
        attachment.headers[CSRF_HEADER] = record.csrfToken;
        attachment.csrfSent = true;
      }
      if (use === 'refresh') attachment.body = {};
      return attachment;
    },
  };
}

function isCookieSessionRecord(value: unknown): value is CookieSessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.csrfToken === 'string' && typeof record.expiresAt === 'number' && typeof record.stamp === 'string';
}

/** The mode picked last time, so that a reload keeps the choice even when logged out. */
export function readPreferredMode(storage: Storage = localStorage): CredentialMode {
  return storage.getItem(STORAGE_KEYS.mode) === 'cookie' ? 'cookie' : 'header';
}

export function savePreferredMode(mode: CredentialMode, storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEYS.mode, mode);
}

/** Exactly what a script on this page (an injected one too) gets from `document.cookie`. */
export function readScriptVisibleCookies(): string {
  return document.cookie;
}
