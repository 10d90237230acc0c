import type { PrivateResponse, PublicUser } from '@jwt-lab/shared';
import type { ApiClient, ApiResult } from '../../../lib/api-client';
import { STRATEGY_IDS, type PageStrategy, type StoredCredential, type StrategyId } from '../strategies/strategy';
import { listStrategies, type Strategies } from '../strategies/strategy-catalog';
import { loggedOutEverywhere, notices, prefixes, problemNotice, registered, switched, welcome, type Notice } from './notices';
import { nearExpiry, refreshDelay, RETRY_AFTER_FAILURE_MS } from './refresh-plan';
import { isTabMessage, type TabMessage, type TabSync } from './tab-sync';

/**
 * The page's session: log in and out, restore after a reload, refresh before expiry, and keep
 * every open tab in step. Plain TypeScript with an external-store interface, so that React only
 * renders it and tests can drive two "tabs" side by side. It never asks which strategy is active
 * to decide how a request travels: the strategy attaches its own credential.
 */

export type { Notice } from './notices';

type SessionPhase = 'restoring' | 'signed-out' | 'signed-in';

export interface PrivateDataAttempt {
  at: number;
  result: ApiResult<PrivateResponse>;
}

export interface SessionState {
  phase: SessionPhase;
  strategy: StrategyId;
  user: PublicUser | null;
  credential: StoredCredential | null;
  notice: Notice | null;
  privateData: PrivateDataAttempt | null;
  busy: boolean;
  autoRefresh: boolean;
  /** When the silent refresh is due, or null when none is scheduled. */
  nextRefreshAt: number | null;
}

interface SessionControllerOptions {
  api: ApiClient;
  strategies: Strategies;
  preferredStrategy: { read(): StrategyId; save(id: StrategyId): void };
  tabs: TabSync;
  now?: () => number;
}

const REFRESH_LOCK = 'jwtlab-refresh';

export function createSessionController({ api, strategies, preferredStrategy, tabs, now = Date.now }: SessionControllerOptions) {
  const listeners = new Set<() => void>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshInFlight: Promise<boolean> | null = null;
  let state = initialState();

  function initialState(): SessionState {
    // Decided synchronously from storage, so that a reload never flashes the login form.
    const preferred = preferredStrategy.read();
    const stored = strategies[preferred].restorable() ? preferred : STRATEGY_IDS.find((id) => strategies[id].restorable());
    return {
      phase: stored ? 'restoring' : 'signed-out',
      strategy: stored ?? preferred,
      user: null,
      credential: null,
      notice: null,
      privateData: null,
      busy: false,
      autoRefresh: true,
      nextRefreshAt: null,
    };
  }

  const active = (): PageStrategy => strategies[state.strategy];

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

  /** Ends the session in this page: every strategy forgets what it kept, so none keeps a stale credential. */
  function endSession(notice: Notice | null, { tell = true } = {}) {
    clearTimeout(refreshTimer);
    for (const id of STRATEGY_IDS) void strategies[id].clear();
    update({ phase: 'signed-out', user: null, credential: null, notice, busy: false, nextRefreshAt: null });
    if (tell) post({ type: 'signed-out', strategy: state.strategy });
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const expiresAt = state.credential?.expiresAt;
    if (!state.autoRefresh || state.phase !== 'signed-in' || expiresAt === undefined) {
      if (state.nextRefreshAt !== null) update({ nextRefreshAt: null });
      return;
    }
    const delay = refreshDelay(expiresAt, now());
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
    if (!stored && !strategy.restorable()) {
      endSession(state.phase === 'signed-in' ? notices.ended : null, { tell: false });
      return false;
    }
    if (stored && stored.stamp !== seenStamp && !nearExpiry(stored.expiresAt, now())) {
      signIn(null, stored, announceAdoption ? notices.adopted : state.notice);
      return true;
    }
    const answer = await api.refresh(strategy);
    if (!answer.ok) {
      const { code } = answer.error;
      if (code === 'refresh_token_reused') endSession(notices.reused);
      else if (answer.error.status === 401 || answer.error.status === 403) endSession({ ...notices.ended, code });
      else if (state.phase === 'restoring') update({ phase: 'signed-out', notice: problemNotice(answer.error, prefixes.restoreFailed) });
      else {
        update({ notice: problemNotice(answer.error, prefixes.refreshFailed) });
        if (state.autoRefresh) refreshTimer = setTimeout(() => void refresh(), RETRY_AFTER_FAILURE_MS);
      }
      return false;
    }
    // Logged out (here or in another tab) while the answer was on its way: that session is revoked.
    if (state.phase === 'signed-out') return false;
    signIn(answer.value.user, strategy.keep(answer.value, now()));
    post({ type: 'refreshed', strategy: strategy.id });
    return true;
  }

  async function refreshIfNearExpiry(): Promise<void> {
    const expiresAt = state.credential?.expiresAt;
    if (state.phase === 'signed-in' && expiresAt !== undefined && nearExpiry(expiresAt, now())) await refresh();
  }

  async function restore() {
    const strategy = active();
    const stored = strategy.read();
    if (!stored && !strategy.restorable()) return endSession(null, { tell: false });
    if (stored) update({ credential: stored });
    // No usable token (memory mode after a reload), or an expired one that would only earn a 401: refresh first.
    if (!stored || nearExpiry(stored.expiresAt, now())) {
      if (!(await refresh())) return;
      // Another tab may have refreshed first: this tab then has a token but does not know the user.
      if (state.user) return;
    }
    const answer = await api.session(strategy);
    if (answer.ok) return signIn(answer.value.user, strategy.noteSession(answer.value));
    if (answer.error.status === 401) return endSession(problemNotice(answer.error, prefixes.noLongerValid), { tell: false });
    // The server is away: keep what is stored so that the next reload can try again.
    update({ phase: 'signed-out', credential: null, notice: problemNotice(answer.error, prefixes.checkFailed) });
  }

  function onTabMessage(message: TabMessage) {
    if (message.strategy !== state.strategy) return;
    const strategy = active();
    // A strategy whose tabs each keep their own session (sessionStorage) hears nothing from the others.
    if (!strategy.sharedWithOtherTabs) return;
    if (message.type === 'signed-out') {
      // Decided from the message, not from storage: another tab's writes reach this one's storage
      // later than its messages do. The sender already cleared the shared storage; clearing again
      // could wipe a newer login.
      if (state.phase !== 'signed-out') {
        clearTimeout(refreshTimer);
        update({ phase: 'signed-out', user: null, credential: null, notice: notices.otherTab, nextRefreshAt: null });
      }
      return;
    }
    if (message.type === 'signed-in') {
      if (state.phase === 'signed-out' && strategy.restorable()) {
        update({ phase: 'restoring', notice: null });
        void restore();
      }
      return;
    }
    if (state.phase !== 'signed-in') return;
    const stored = strategy.read();
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
    endSession(answer.ok ? successNotice : problemNotice(answer.error, prefixes.revokeFailed));
  }

  return {
    getState: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The strategy in use: what it keeps, for the inspector. */
    activeStrategy: active,
    /** Every strategy, in the order the Storage mode group lists them. */
    strategies: listStrategies(strategies),

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
        update({ notice: answer.ok ? registered(answer.value.user.username, email) : problemNotice(answer.error) });
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
        await strategy.prepareLogin();
        const answer = await api.login(strategy, { username, password });
        if (!answer.ok) return update({ notice: problemNotice(answer.error) });
        for (const id of STRATEGY_IDS) if (id !== strategy.id) await strategies[id].clear();
        signIn(answer.value.user, strategy.keep(answer.value, now()), welcome(answer.value.user.username, strategy.description.afterLogin));
        post({ type: 'signed-in', strategy: strategy.id });
      }),

    logOut: () => busyWhile(() => revokeAndForget(false, notices.loggedOut)),

    logOutEverywhere: () => busyWhile(() => revokeAndForget(true, loggedOutEverywhere(state.user?.username))),

    /** A strategy switch never carries a session over: log out of the old one, clear every storage, say so. */
    switchStrategy: (id: StrategyId) =>
      busyWhile(async () => {
        if (id === state.strategy) return;
        const notice = switched(strategies[id].description.short, active().description.short);
        if (state.phase === 'signed-in') await revokeAndForget(false, notice);
        else endSession(null, { tell: false });
        preferredStrategy.save(id);
        update({ strategy: id });
      }),

    refreshNow: () =>
      busyWhile(async () => {
        if ((await refresh({ announceAdoption: true })) && state.notice === null) {
          update({ notice: { tone: 'info', text: active().description.afterRefresh } });
        }
      }),

    loadPrivateData: () =>
      busyWhile(async () => {
        if (state.autoRefresh) await refreshIfNearExpiry();
        const result = await api.privateData(active());
        update({ privateData: { at: now(), result } });
        if (!result.ok && state.phase === 'signed-in' && (result.error.code === 'token_revoked' || result.error.code === 'invalid_token')) {
          endSession(problemNotice(result.error, prefixes.endedOnServer));
        }
      }),

    setAutoRefresh(on: boolean) {
      update({ autoRefresh: on });
      scheduleRefresh();
    },
  };
}

export type SessionController = ReturnType<typeof createSessionController>;
