import type { ApiClient } from '../../../lib/api-client';
import type { LabStrategy } from './rows';

/** What a page that starts fresh (after a reload, or in a new tab) finds of a strategy's session. */
interface RestoreOutcome {
  /** Signed in, as the server confirmed. */
  signedIn: boolean;
  seen: string;
  /** The request-log ids of the calls it made, when this tab logged them. */
  requestIds: number[];
}

/**
 * What the page itself does when it starts: use the credential it finds, or, with none but a
 * sign that a session exists (memory mode's CSRF cookie), ask the refresh route for a new one;
 * then ask the server whether the session holds.
 */
export async function restoreAsAFreshPage(api: ApiClient, strategy: LabStrategy, where: string): Promise<Omit<RestoreOutcome, 'requestIds'>> {
  const found = strategy.read();
  if (!found) {
    if (!strategy.restorable()) return { signedIn: false, seen: `${where} found no credential and nothing to refresh with.` };
    const refreshed = await api.refresh(strategy);
    if (!refreshed.ok) return { signedIn: false, seen: `${where} had no token; POST /api/auth/refresh answered ${refreshed.error.status ?? 'nothing'} ${refreshed.error.code}.` };
    strategy.keep(refreshed.value, Date.now());
    const checked = await api.session(strategy);
    return checked.ok
      ? { signedIn: true, seen: `${where} had no token; POST /api/auth/refresh (the refresh cookie, the readable CSRF cookie) answered 200 with a new one, and GET /api/auth/session answered 200.` }
      : { signedIn: false, seen: `${where} refreshed, but GET /api/auth/session answered ${checked.error.status ?? 'nothing'} ${checked.error.code}.` };
  }
  const checked = await api.session(strategy);
  if (!checked.ok) return { signedIn: false, seen: `${where} found a credential, but GET /api/auth/session answered ${checked.error.status ?? 'nothing'} ${checked.error.code}.` };
  strategy.noteSession(checked.value);
  const how = found.accessToken ? 'found the token where the strategy keeps it' : 'found the session record, and the browser sent the cookie';
  return { signedIn: true, seen: `${where} ${how}; GET /api/auth/session answered 200.` };
}

/** After a logout elsewhere: is the session this page held still usable? */
export async function checkAfterLogout(api: ApiClient, strategy: LabStrategy, where: string): Promise<{ ended: boolean; seen: string }> {
  const found = strategy.read();
  if (!found && !strategy.restorable()) return { ended: true, seen: `${where} no longer finds a credential: the logout removed what the tabs share.` };
  const answer = await api.privateData(strategy);
  if (answer.ok) return { ended: false, seen: `${where} still has a credential and GET /api/private answered 200.` };
  return { ended: true, seen: `${where} still held a credential, but its next request was refused: GET /api/private answered ${answer.error.status ?? 'nothing'} ${answer.error.code}.` };
}
