import type { CredentialAttachment } from '../../../lib/api-client';
import { readExpiry } from '../../../lib/jwt';
import { CSRF_HEADER, MEMORY_CSRF_COOKIE } from './wire-names';
import type { PageStrategy, StoredCredential } from './strategy';

/** Reads one cookie that page scripts may see (memory mode's CSRF cookie) from `document.cookie`. */
function readVisibleCookie(cookies: string, name: string): string | null {
  for (const pair of cookies.split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/**
 * Memory mode: the access token lives in this closure and nowhere else, so it dies with the page;
 * the refresh token lives in the HttpOnly refresh cookie, which the browser keeps. After a reload
 * (or in a new tab) the page gets a new access token from the refresh route, proving that request
 * is its own with the CSRF token the server also set as a readable SameSite=Strict cookie
 * (docs/decisions/012-memory-mode-refresh-after-reload.md): a cross-site page can neither read it nor make the browser send the
 * refresh cookie, but a script in this page can do both, which is the lesson of the lab.
 */
export function createMemoryStrategy(readCookies: () => string = () => document.cookie): PageStrategy {
  let held: { accessToken: string; csrfToken: string } | null = null;
  const csrfCookie = () => readVisibleCookie(readCookies(), MEMORY_CSRF_COOKIE);
  const read = (): StoredCredential | null => {
    // The server clears the CSRF cookie on logout, in any tab: then this copy belongs to an ended session.
    if (!held || csrfCookie() === null) return null;
    return { stamp: held.accessToken, expiresAt: readExpiry(held.accessToken) ?? 0, accessToken: held.accessToken };
  };
  return {
    id: 'memory',
    serverMode: 'memory',
    sharedWithOtherTabs: true,
    description: {
      label: 'Memory + refresh cookie',
      short: 'memory',
      hint: 'The access token lives in a JavaScript variable only and dies with the page; the refresh token is in an HttpOnly cookie, so a reload asks for a new access token.',
      tokenHome: 'a JavaScript variable of this page',
      afterLogin: 'Your access token is in a JavaScript variable of this page only; the refresh token is in an HttpOnly cookie that this page cannot read.',
      afterRefresh: 'A new access token received, kept in memory; the browser got a fresh refresh cookie.',
    },
    read,
    restorable: () => csrfCookie() !== null,
    prepareLogin: async () => {},
    keep(answer) {
      if (answer.mode !== 'memory') return null;
      held = { accessToken: answer.accessToken, csrfToken: answer.csrfToken };
      return read();
    },
    noteSession: () => read(),
    async clear() {
      held = null;
    },
    attach(use): CredentialAttachment {
      // same-origin: the login and refresh answers set the refresh and CSRF cookies, logout clears them.
      if (use === 'none' || use === 'login') return { headers: {}, credentials: 'same-origin', carrier: 'none', csrfSent: false };
      if (use === 'refresh') {
        const csrfToken = held?.csrfToken ?? csrfCookie();
        const headers: Record<string, string> = csrfToken ? { [CSRF_HEADER]: csrfToken } : {};
        return { headers, credentials: 'same-origin', body: {}, carrier: 'cookie', csrfSent: csrfToken !== null };
      }
      if (!held) return { headers: {}, credentials: 'same-origin', carrier: 'none', csrfSent: false };
      return { headers: { authorization: `Bearer ${held.accessToken}` }, credentials: 'same-origin', carrier: 'authorization-header', csrfSent: false };
    },
  };
}
