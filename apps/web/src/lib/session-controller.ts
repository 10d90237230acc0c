import type { CredentialMode, PrivateResponse, PublicUser } from '@jwt-lab/shared';
import type { ApiClient, ApiError, ApiResult } from './api-client';
import type { CredentialStrategy, StoredCredential } from './credential-strategy';
import { isTabMessage, type TabMessage, type TabSync } from './tab-sync';

/**
 * The page's session: log in and out, restore after a reload, refresh before expiry, and keep
 * every open tab in step. Plain TypeScript with an external-store interface, so that React only
 * renders it and tests can drive two "tabs" side by side.
 */

export type SessionPhase = 'restoring' | 'signed-out' | 'signed-in';

export interface Notice {
  tone: 'info' | 'error';
  text: string;
  code?: string;
}

export interface PrivateDataAttempt {
  at: number;
  result: ApiResult<PrivateResponse>;
}

export interface SessionState {
  phase: SessionPhase;
  mode: CredentialMode;
  user: PublicUser | null;
  credential: StoredCredential | null;
  notice: Notice | null;
  privateData: PrivateDataAttempt | null;
  busy: boolean;
  autoRefresh: boolean;
  /** When the silent refresh is due, or null when none is scheduled. */
  nextRefreshAt: number | null;
}

export interface SessionControllerOptions {
  api: ApiClient;
  strategies: Record<CredentialMode, CredentialStrategy>;
  preferredMode: { read(): CredentialMode; save(mode: CredentialMode): void };
  tabs: TabSync;
  now?: () => number;
}

export const MODE_LABEL: Record<CredentialMode, string> = { header: 'localStorage', cookie: 'cookie' };

/** Refresh this long before expiry at most (a quarter of the remaining time when tokens are short-lived). */
const MAX_REFRESH_LEAD_MS = 30_000;
/** A token this close to expiry is refreshed before it is used, rather than sent to die in transit. */
const USE_MARGIN_MS = 2_000;
const RETRY_AFTER_FAILURE_MS = 10_000;
const REFRESH_LOCK = 'jwtlab-refresh';

const notices = {
  reused: {
    tone: 'error',
    code: 'refresh_token_reused',
    text: 'Your session was ended for safety: a refresh token of this session was used a second time, which can mean someone copied it. Please log in again.',
  },
  ended: { tone: 'error', text: 'Your session has ended (it was logged out elsewhere, or it ran out). Please log in again.' },
  otherTab: { tone: 'info', text: 'You were logged out in another tab.' },
  adopted: { tone: 'info', text: 'Another tab had just refreshed the token, so this tab picked up that new token instead of asking again.' },
} satisfies Record<string, Notice>;

function problemNotice(error: ApiError, prefix = ''): Notice {
  return { tone: 'error', code: error.code, text: prefix + error.message };
}

export function createSessionController({ api, strategies, preferredMode, tabs, now = Date.now }: SessionControllerOptions) {
  const listeners = new Set<() => void>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshInFlight: Promise<boolean> | null = null;
  let state = initialState();

  function initialState(): SessionState {
    // Decided synchronously from storage, so that a reload never flashes the login form.
    const stored = (['header', 'cookie'] as const).find((mode) => strategies[mode].read());
    return {
      phase: stored ? 'restoring' : 'signed-out',
      mode: stored ?? preferredMode.read(),
      user: null,
      credential: null,
      notice: null,
      privateData: null,
      busy: false,
      autoRefresh: true,
      nextRefreshAt: null,
    };
  }

  const active = () => strategies[state.mode];

  function update(patch: Partial<SessionState>) {
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  }

  function post(message: TabMessage) {
    tabs.channel?.postMessage(message);
  }

  function signIn(user: PublicUser | null, credential: StoredCredential | null, notice: Notice | null = state.notice) {
    update({ phase: 'signed-in', user: user ?? state.user, credential, notice });
    scheduleRefresh();
  }

  /** Ends the session in this page: both storages cleared, so no mode keeps a stale credential. */
  function endSession(notice: Notice | null, { tell = true } = {}) {
    clearTimeout(refreshTimer);
    strategies.header.clear();
    strategies.cookie.clear();
    update({ phase: 'signed-out', user: null, credential: null, notice, busy: false, nextRefreshAt: null });
    if (tell) post({ type: 'signed-out' });
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const expiresAt = state.credential?.expiresAt;
    if (!state.autoRefresh || state.phase !== 'signed-in' || expiresAt === undefined) {
      if (state.nextRefreshAt !== null) update({ nextRefreshAt: null });
      return;
    }
    const remaining = expiresAt - now();
    const delay = Math.max(0, remaining - Math.min(MAX_REFRESH_LEAD_MS, remaining / 4));
    refreshTimer = setTimeout(() => void refresh(), delay);
    update({ nextRefreshAt: now() + delay });
  }

  /**
   * Single flight: one refresh per tab at a time (the shared promise), and one across tabs (the
   * lock). Once it holds the lock, a tab first checks whether the stored credential changed since
   * it decided to refresh: then another tab has already spent the refresh token, and spending
   * it again would look like theft to the server (refresh_token_reused) and end the session.
   */
  function refresh({ announceAdoption = false } = {}): Promise<boolean> {
    const seenStamp = state.credential?.stamp;
    refreshInFlight ??= tabs.runExclusive(REFRESH_LOCK, () => refreshHoldingLock(seenStamp, announceAdoption)).finally(() => {
      refreshInFlight = null;
    });
    return refreshInFlight;
  }

  async function refreshHoldingLock(seenStamp: string | undefined, announceAdoption: boolean): Promise<boolean> {
    const strategy = active();
    const stored = strategy.read();
    if (!stored) {
      endSession(state.phase === 'signed-in' ? notices.ended : null, { tell: false });
      return false;
    }
    if (stored.stamp !== seenStamp && stored.expiresAt > now() + USE_MARGIN_MS) {
      signIn(null, stored, announceAdoption ? notices.adopted : state.notice);
      return true;
    }
    const answer = await api.refresh(strategy);
    if (!answer.ok) {
      const { code } = answer.error;
      if (code === 'refresh_token_reused') endSession(notices.reused);
      else if (answer.error.status === 401) endSession({ ...notices.ended, code });
      else if (state.phase === 'restoring') update({ phase: 'signed-out', notice: problemNotice(answer.error, 'Your saved session could not be restored: ') });
      else {
        update({ notice: problemNotice(answer.error, 'The token could not be refreshed: ') });
        // The server may be restarting: try again soon rather than let the token run out silently.
        if (state.autoRefresh) refreshTimer = setTimeout(() => void refresh(), RETRY_AFTER_FAILURE_MS);
      }
      return false;
    }
    // Logged out (here or in another tab) while the answer was on its way: that session is revoked.
    if (state.phase === 'signed-out') return false;
    signIn(answer.value.user, strategy.keep(answer.value, now()));
    post({ type: 'refreshed', mode: strategy.mode });
    return true;
  }

  async function refreshIfNearExpiry(): Promise<void> {
    const expiresAt = state.credential?.expiresAt;
    if (state.phase === 'signed-in' && expiresAt !== undefined && expiresAt - now() < USE_MARGIN_MS) await refresh();
  }

  async function restore() {
    const stored = active().read();
    if (!stored) return endSession(null, { tell: false });
    update({ credential: stored });
    // An expired token would only earn a 401 (and a red line in the console): refresh straight away.
    if (stored.expiresAt - now() < USE_MARGIN_MS) {
      if (!(await refresh())) return;
      // Another tab may have refreshed first: this tab then has a token but does not know the user.
      if (state.user) return;
    }
    const answer = await api.session(active());
    if (answer.ok) return signIn(answer.value.user, active().noteSession(answer.value));
    if (answer.error.status === 401) return endSession(problemNotice(answer.error, 'Your saved session is no longer valid: '), { tell: false });
    // The server is away: keep what is stored so that the next reload can try again.
    update({ phase: 'signed-out', credential: null, notice: problemNotice(answer.error, 'Your saved session could not be checked: ') });
  }

  function onTabMessage(message: TabMessage) {
    if (message.type === 'signed-out') {
      // The sender already cleared the shared storage; clearing again could wipe a newer login.
      if (state.phase !== 'signed-out') {
        clearTimeout(refreshTimer);
        update({ phase: 'signed-out', user: null, credential: null, notice: notices.otherTab, nextRefreshAt: null });
      }
      return;
    }
    if (message.type === 'signed-in') {
      if (state.phase === 'signed-out') {
        update({ phase: 'restoring', mode: message.mode, notice: null });
        void restore();
      }
      return;
    }
    if (message.mode !== state.mode || state.phase !== 'signed-in') return;
    const stored = active().read();
    if (stored && stored.stamp !== state.credential?.stamp) signIn(null, stored);
  }

  async function busyWhile(task: () => Promise<void>) {
    update({ busy: true, notice: null });
    try {
      await task();
    } finally {
      update({ busy: false });
    }
  }

  /**
   * Revokes the session on the server (refreshing first if the token is about to die, so that
   * the revocation does not fail on token_expired), then forgets it here whatever the answer.
   */
  async function revokeAndForget(everywhere: boolean, successNotice: Notice) {
    // Revoke with the newest token: a refresh under way would otherwise bring back a fresh one.
    await refreshInFlight;
    await refreshIfNearExpiry();
    if (state.phase !== 'signed-in') return;
    const answer = everywhere ? await api.logoutEverywhere(active()) : await api.logout(active());
    endSession(answer.ok ? successNotice : problemNotice(answer.error, 'You are logged out on this page, but the server could not revoke the session: '));
  }

  return {
    getState: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Listens to the other tabs and restores a stored session; call once when the page starts. */
    async start() {
      tabs.channel?.addEventListener('message', (event) => {
        if (isTabMessage(event.data)) onTabMessage(event.data);
      });
      // Browsers slow down timers in hidden tabs; on return, re-plan, which refreshes at once if overdue.
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && state.phase === 'signed-in') scheduleRefresh();
      });
      if (state.phase === 'restoring') await restore();
    },

    /** Registers (with an address, the server sends a link to confirm it); true when the account exists. */
    register: async (username: string, password: string, email?: string) => {
      let created = false;
      await busyWhile(async () => {
        const answer = await api.register(active(), { username, password, ...(email ? { email } : {}) });
        created = answer.ok;
        const confirm = email ? ` A message with a link to confirm ${email} is on its way (in local runs, to the Outbox).` : '';
        update({
          notice: answer.ok
            ? { tone: 'info', text: `Account “${answer.value.user.username}” created.${confirm} Now press Log in to get your tokens.` }
            : problemNotice(answer.error),
        });
      });
      return created;
    },

    /** The server ended this session by other means (a password reset): forget it here and say so. */
    endedByServer: (reason: string) => {
      if (state.phase === 'signed-in') endSession({ tone: 'info', text: reason });
    },

    logIn: (username: string, password: string) =>
      busyWhile(async () => {
        const strategy = active();
        const answer = await api.login(strategy, { username, password });
        if (!answer.ok) return update({ notice: problemNotice(answer.error) });
        strategies[strategy.mode === 'header' ? 'cookie' : 'header'].clear();
        const where =
          strategy.mode === 'header'
            ? 'Your tokens are in localStorage, and every API call sends the access token in the Authorization header.'
            : 'Your tokens are in HttpOnly cookies: this page cannot read them, and the browser sends them by itself.';
        signIn(answer.value.user, strategy.keep(answer.value, now()), { tone: 'info', text: `Welcome, ${answer.value.user.username}. ${where}` });
        post({ type: 'signed-in', mode: strategy.mode });
      }),

    logOut: () =>
      busyWhile(() =>
        revokeAndForget(false, { tone: 'info', text: 'You are logged out. The server revoked the session, so the old access token is refused from now on.' }),
      ),

    logOutEverywhere: () =>
      busyWhile(() =>
        revokeAndForget(true, {
          tone: 'info',
          text: `You are logged out everywhere: the server revoked every session of ${state.user?.username ?? 'this user'}, in every browser.`,
        }),
      ),

    /** A mode switch never carries a session over: log out of the old mode, clear both storages, say so. */
    switchMode: (mode: CredentialMode) =>
      busyWhile(async () => {
        if (mode === state.mode) return;
        const switched: Notice = {
          tone: 'info',
          text: `You switched to ${MODE_LABEL[mode]} mode, so you were logged out of ${MODE_LABEL[state.mode]} mode first: the server revoked that session and the page cleared its storage. Log in again to get tokens that travel the new way.`,
        };
        if (state.phase === 'signed-in') await revokeAndForget(false, switched);
        else endSession(null, { tell: false });
        preferredMode.save(mode);
        update({ mode });
      }),

    refreshNow: () =>
      busyWhile(async () => {
        if (await refresh({ announceAdoption: true })) {
          if (state.notice === null) {
            const text =
              state.mode === 'header'
                ? 'New tokens received. The old refresh token is now spent: each one works once.'
                : 'New tokens received in fresh cookies. The CSRF token stays the same for the whole session.';
            update({ notice: { tone: 'info', text } });
          }
        }
      }),

    loadPrivateData: () =>
      busyWhile(async () => {
        if (state.autoRefresh) await refreshIfNearExpiry();
        const result = await api.privateData(active());
        update({ privateData: { at: now(), result } });
        if (!result.ok && state.phase === 'signed-in' && (result.error.code === 'token_revoked' || result.error.code === 'invalid_token')) {
          endSession(problemNotice(result.error, 'Your session was ended on the server, so you are logged out here too: '));
        }
      }),

    setAutoRefresh(on: boolean) {
      update({ autoRefresh: on });
      scheduleRefresh();
    },
  };
}

export type SessionController = ReturnType<typeof createSessionController>;
