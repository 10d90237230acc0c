import { createStoredTokenPair } from './stored-token-pair';
import { NO_ATTACHMENT } from '../../../lib/api-client';
import type { PageStrategy, StrategyDescription } from './strategy';

/** Where both Web Storage strategies keep the tokens (in their own storage area). */
export const WEB_STORAGE_KEYS = { accessToken: 'jwtlab.accessToken', refreshToken: 'jwtlab.refreshToken' } as const;

const DESCRIPTIONS: Record<'localStorage' | 'sessionStorage', StrategyDescription> = {
  localStorage: {
    label: 'localStorage + Authorization header',
    short: 'localStorage',
    hint: 'The page keeps both tokens in localStorage, shared by every tab, and sends the access token itself. Any script on the page can read them.',
    tokenHome: `localStorage["${WEB_STORAGE_KEYS.accessToken}"]`,
    afterLogin: 'Your tokens are in localStorage, and every API call sends the access token in the Authorization header.',
    afterRefresh: 'New tokens received. The old refresh token is now spent: each one works once.',
  },
  sessionStorage: {
    label: 'sessionStorage + Authorization header',
    short: 'sessionStorage',
    hint: 'As localStorage, but each tab keeps its own copy: a reload keeps it, another tab does not see it. Any script on the page can read them.',
    tokenHome: `sessionStorage["${WEB_STORAGE_KEYS.accessToken}"]`,
    afterLogin: 'Your tokens are in this tab’s sessionStorage, and every API call sends the access token in the Authorization header.',
    afterRefresh: 'New tokens received. The old refresh token is now spent: each one works once.',
  },
};

/**
 * Header mode on the server; the tokens in the body, kept by the page in a Web Storage area and
 * sent as `Authorization: Bearer`. localStorage is shared by every tab of the origin and outlives
 * the browser; sessionStorage belongs to one tab and ends with it.
 */
export function createWebStorageStrategy(id: 'localStorage' | 'sessionStorage', storage: Storage): PageStrategy {
  const tokens = createStoredTokenPair(storage, WEB_STORAGE_KEYS);
  return {
    id,
    serverMode: 'header',
    sharedWithOtherTabs: id === 'localStorage',
    description: DESCRIPTIONS[id],
    read: tokens.read,
    restorable: () => tokens.read() !== null,
    prepareLogin: async () => {},
    keep: (answer) => (answer.mode === 'header' ? tokens.save(answer) : null),
    noteSession: () => tokens.read(),
    async clear() {
      tokens.forget();
    },
    attach(use) {
      // 'omit': a cookie left over from another mode must not ride along and blur the comparison.
      if (use === 'none' || use === 'login') return NO_ATTACHMENT;
      if (use === 'refresh') {
        const refreshToken = tokens.refreshToken();
        return refreshToken ? { ...NO_ATTACHMENT, body: { refreshToken }, carrier: 'body' } : NO_ATTACHMENT;
      }
      const accessToken = tokens.accessToken();
      return accessToken ? { ...NO_ATTACHMENT, headers: { authorization: `Bearer ${accessToken}` }, carrier: 'authorization-header' } : NO_ATTACHMENT;
    },
  };
}
