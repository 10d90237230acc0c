import { CSRF_HEADER } from './wire-names';
import type { PageStrategy, StoredCredential } from './strategy';

export const COOKIE_SESSION_KEY = 'jwtlab.cookieSession';

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
export function createCookieStrategy(storage: Storage, { recordKey = COOKIE_SESSION_KEY }: { recordKey?: string } = {}): PageStrategy {
  const readRecord = (): CookieSessionRecord | null => {
    try {
      const record: unknown = JSON.parse(storage.getItem(recordKey) ?? 'null');
      return isCookieSessionRecord(record) ? record : null;
    } catch {
      return null;
    }
  };
  const write = (record: CookieSessionRecord): StoredCredential => {
    storage.setItem(recordKey, JSON.stringify(record));
    return toCredential(record);
  };
  const toCredential = ({ stamp, expiresAt }: CookieSessionRecord): StoredCredential => ({ stamp, expiresAt, accessToken: null });
  const read = () => {
    const record = readRecord();
    return record && toCredential(record);
  };
  return {
    id: 'cookie',
    serverMode: 'cookie',
    sharedWithOtherTabs: true,
    description: {
      label: 'HttpOnly cookie + CSRF token',
      short: 'cookie',
      hint: 'The browser keeps the tokens where scripts cannot read them and sends them by itself; changes need the CSRF token too.',
      tokenHome: 'an HttpOnly cookie',
      afterLogin: 'Your tokens are in HttpOnly cookies: this page cannot read them, and the browser sends them by itself.',
      afterRefresh: 'New tokens received in fresh cookies. The CSRF token stays the same for the whole session.',
    },
    read,
    restorable: () => readRecord() !== null,
    prepareLogin: async () => {},
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
    async clear() {
      storage.removeItem(recordKey);
    },
    attach(use) {
      const record = readRecord();
      // The browser adds the cookies by itself; the page can only say whether it expects some.
      const carrier = record && use !== 'none' && use !== 'login' ? 'cookie' : 'none';
      const headers: Record<string, string> = {};
      if (record && (use === 'change' || use === 'refresh')) headers[CSRF_HEADER] = record.csrfToken;
      return { headers, credentials: 'same-origin', carrier, csrfSent: CSRF_HEADER in headers, ...(use === 'refresh' ? { body: {} } : {}) };
    },
  };
}

function isCookieSessionRecord(value: unknown): value is CookieSessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.csrfToken === 'string' && typeof record.expiresAt === 'number' && typeof record.stamp === 'string';
}
