import type { SessionListResponse, SessionSummary } from '@jwt-lab/shared';
import type { ApiClient, ApiError, ApiResult } from '../../lib/api-client';

/** What the Sessions region needs of the page: the user's sessions through the API, and the page's own session. */
interface SessionsAccess {
  /** `GET /api/auth/sessions` with this page's credential. */
  list(): Promise<ApiResult<SessionListResponse>>;
  /** `DELETE /api/auth/sessions/:id` with this page's credential (and CSRF token in cookie mode). */
  revoke(id: string): Promise<ApiResult<unknown>>;
  /** Revoking this page's own session is logging out. */
  logOut(): Promise<void>;
  /** The server refused this page's credential: its session ended elsewhere, so end it here too. */
  sessionEnded(reason: string): void;
}

interface SessionsNotice {
  tone: 'info' | 'error';
  text: string;
  code?: string;
}

export interface SessionsState {
  /** Null until listed (and again once logged out). */
  sessions: readonly SessionSummary[] | null;
  busy: boolean;
  notice: SessionsNotice | null;
}

const EMPTY: SessionsState = { sessions: null, busy: false, notice: null };

/** "Firefox on Linux", as the server described the device from its User-Agent. */
export const deviceOf = (session: SessionSummary) => session.userAgent || 'an unknown device';

/**
 * The user's sessions as an external store: listed when the page signs in, each other one
 * revocable, all others at once. Plain TypeScript so that React only renders it.
 */
function createSessionsList(access: SessionsAccess) {
  const listeners = new Set<() => void>();
  let state = EMPTY;

  function update(patch: Partial<SessionsState>) {
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  }

  /** True when the answer means this page's session is over (a 401): then it is ended here too. */
  function endedHere(error: ApiError): boolean {
    if (error.status !== 401) return false;
    state = EMPTY;
    access.sessionEnded(`This session was ended on the server (${error.code}), so you are logged out here too.`);
    update({});
    return true;
  }

  async function load(notice: SessionsNotice | null = null) {
    update({ busy: true });
    const answer = await access.list();
    if (!answer.ok) {
      if (!endedHere(answer.error)) update({ busy: false, notice: { tone: 'error', code: answer.error.code, text: `The sessions could not be listed: ${answer.error.message}` } });
      return;
    }
    update({ sessions: answer.value.sessions, busy: false, notice });
  }

  /** Revokes one other session, and says how it went ("ended": the page's own session ended on the way). */
  async function revokeOne(session: SessionSummary): Promise<'revoked' | 'gone' | 'failed' | 'ended'> {
    const answer = await access.revoke(session.id);
    if (answer.ok) return 'revoked';
    if (endedHere(answer.error)) return 'ended';
    return answer.error.code === 'not_found' ? 'gone' : 'failed';
  }

  return {
    getState: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    load: () => load(),

    /** Logged out: nothing of the old user's sessions stays on the page. */
    forget: () => update(EMPTY),

    async revoke(id: string) {
      const session = state.sessions?.find((candidate) => candidate.id === id);
      if (!session) return;
      if (session.current) {
        update(EMPTY);
        return access.logOut();
      }
      update({ busy: true, notice: null });
      const outcome = await revokeOne(session);
      if (outcome === 'ended') return;
      const notices: Record<typeof outcome, SessionsNotice> = {
        revoked: { tone: 'info', text: `The session on ${deviceOf(session)} is revoked: its tokens are refused from its next request on.` },
        gone: { tone: 'info', text: `The session on ${deviceOf(session)} had already ended.` },
        failed: { tone: 'error', text: `The session on ${deviceOf(session)} could not be revoked. Try again.` },
      };
      await load(notices[outcome]);
    },

    async revokeOthers() {
      const others = state.sessions?.filter((session) => !session.current) ?? [];
      if (others.length === 0) return;
      update({ busy: true, notice: null });
      let failed = 0;
      for (const session of others) {
        const outcome = await revokeOne(session);
        if (outcome === 'ended') return;
        if (outcome === 'failed') failed++;
      }
      const revoked = others.length - failed;
      await load(
        failed === 0
          ? { tone: 'info', text: `Logged out ${revoked} other session${revoked === 1 ? '' : 's'}. This one stays logged in.` }
          : { tone: 'error', text: `${failed} of ${others.length} other sessions could not be revoked. Try again.` },
      );
    },
  };
}

export type SessionsList = ReturnType<typeof createSessionsList>;

/** Whatever the API client attaches a credential with (the page's storage strategy): this feature never looks inside. */
type CredentialCarrier = Parameters<ApiClient['sessions']>[0];

/** What the list needs of the page's own session. */
interface PageSession {
  /** The strategy this page is logged in with: its credential lists and revokes. */
  strategy(): CredentialCarrier;
  logOut(): Promise<void>;
  endedByServer(reason: string): void;
}

/** The list wired to the page's one API client and its session, as main.tsx (and the tests' tabs) use it. */
export function createPageSessionsList(api: Pick<ApiClient, 'sessions' | 'revokeSession'>, page: PageSession): SessionsList {
  return createSessionsList({
    list: () => api.sessions(page.strategy()),
    revoke: (id) => api.revokeSession(page.strategy(), id),
    logOut: () => page.logOut(),
    sessionEnded: (reason) => page.endedByServer(reason),
  });
}
