import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeApi, type FakeApi } from '../../../test/fake-api';
import { createFakeBrowser, MemoryStorage, openTab } from '../../../test/tabs';
import { COOKIE_SESSION_KEY } from '../strategies/cookie-strategy';
import { PREFERRED_STRATEGY_KEY } from '../strategies/preferred-strategy';
import type { StrategyId } from '../strategies/strategy';
import { WEB_STORAGE_KEYS } from '../strategies/web-storage-strategy';
import { createTabLocalLock } from './tab-sync';

const STORAGE_KEYS = { ...WEB_STORAGE_KEYS, cookieSession: COOKIE_SESSION_KEY, mode: PREFERRED_STRATEGY_KEY };

const REFRESH = ['POST', '/api/auth/refresh'] as const;

/**
 * Runs what is due now on the fake clock: the fake channel's setTimeout(0) deliveries and the
 * promises they and the pending requests resolve. No real time passes; the test installs fake timers.
 */
const settle = () => vi.advanceTimersByTimeAsync(0);

async function twoTabsLoggedIn(api: FakeApi, mode: 'header' | 'cookie' = 'header') {
  const browser = createFakeBrowser();
  const first = openTab(api, browser.join());
  await first.controller.start();
  if (mode === 'cookie') await first.controller.switchStrategy('cookie');
  await first.controller.logIn('alice', 'password1');
  const second = openTab(api, browser.join());
  await second.controller.start();
  return { first, second };
}

/** A server that knows alice, and one tab of a browser of its own where she logged in (in `strategy` when given). */
async function oneTabLoggedIn({ strategy, accessTtl }: { strategy?: StrategyId; accessTtl?: number } = {}) {
  const api = createFakeApi(accessTtl === undefined ? {} : { accessTtl });
  api.addUser('alice', 'password1');
  const tab = openTab(api, createFakeBrowser().join());
  if (strategy) await tab.controller.switchStrategy(strategy);
  await tab.controller.logIn('alice', 'password1');
  return { api, tab };
}

/**
 * Both tabs press Refresh token while the server holds its answers, so that the two requests overlap.
 * A few seconds after the login, as a person would: a cookie-mode refresh is stamped with its time.
 */
async function refreshBothAtOnce(api: FakeApi, ...tabs: ReturnType<typeof openTab>[]) {
  await vi.advanceTimersByTimeAsync(5_000);
  const release = api.holdRefreshes();
  const all = Promise.all(tabs.map((tab) => tab.controller.refreshNow()));
  await settle();
  release();
  await all;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('refresh across tabs', () => {
  it.each(['header', 'cookie'] as const)('%s mode: two tabs asking at once cause one refresh, and both end with the new token', async (mode) => {
    vi.useFakeTimers();
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { first, second } = await twoTabsLoggedIn(api, mode);
    expect(second.controller.getState().phase).toBe('signed-in');
    const before = first.controller.getState().credential?.stamp;

    await refreshBothAtOnce(api, first, second);

    expect(api.countRequests(...REFRESH)).toBe(1);
    const [a, b] = [first.controller.getState(), second.controller.getState()];
    expect(a.credential?.stamp).not.toBe(before);
    expect(b.credential?.stamp).toBe(a.credential?.stamp);
    expect([a.phase, b.phase]).toEqual(['signed-in', 'signed-in']);
    expect(b.notice?.text).toMatch(/Another tab had just refreshed/);
  });

  it('without the shared lock the second tab would spend a used refresh token and lose the session', async () => {
    // The control experiment for the test above: it shows what the lock protects against.
    vi.useFakeTimers();
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const first = openTab(api, { runExclusive: createTabLocalLock(), channel: null });
    await first.controller.logIn('alice', 'password1');
    const second = openTab(api, { runExclusive: createTabLocalLock(), channel: null });
    await second.controller.start();

    await refreshBothAtOnce(api, first, second);

    expect(api.countRequests(...REFRESH)).toBe(2);
    expect(second.controller.getState().notice?.code ?? first.controller.getState().notice?.code).toBe('refresh_token_reused');
  });

  it('refreshes silently shortly before expiry, once for two tabs, and keeps both signed in', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') });
    const api = createFakeApi({ accessTtl: 60 });
    api.addUser('alice', 'password1');
    const { first, second } = await twoTabsLoggedIn(api);
    const loggedInAt = Date.now();
    const { nextRefreshAt, credential } = first.controller.getState();
    expect(credential?.expiresAt).toBe(loggedInAt + 60_000);
    expect(nextRefreshAt).toBe(loggedInAt + 45_000);

    await vi.advanceTimersByTimeAsync(44_000);
    expect(api.countRequests(...REFRESH)).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(api.countRequests(...REFRESH)).toBe(1);
    expect(first.controller.getState().credential?.expiresAt).toBe(loggedInAt + 45_000 + 60_000);
    expect(second.controller.getState().credential?.stamp).toBe(first.controller.getState().credential?.stamp);

    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // One refresh every 45 s (15 s before each 60 s token ends) for both tabs together, not one per tab.
    expect(api.countRequests(...REFRESH)).toBe(Math.floor((Date.now() - loggedInAt) / 45_000));
    expect([first.controller.getState().phase, second.controller.getState().phase]).toEqual(['signed-in', 'signed-in']);
  });

  it('does not refresh on its own when silent refresh is off, so the token can be watched expiring', async () => {
    vi.useFakeTimers();
    const { api, tab } = await oneTabLoggedIn({ accessTtl: 60 });
    tab.controller.setAutoRefresh(false);
    expect(tab.controller.getState().nextRefreshAt).toBeNull();

    await vi.advanceTimersByTimeAsync(61_000);
    await tab.controller.loadPrivateData();
    expect(api.countRequests(...REFRESH)).toBe(0);
    expect(tab.controller.getState().privateData?.result).toMatchObject({ ok: false, error: { code: 'token_expired' } });
  });

  it('ends the session with a clear message when the server reports a reused refresh token', async () => {
    vi.useFakeTimers();
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { first, second } = await twoTabsLoggedIn(api);
    // An attacker who copied the refresh token uses it first; the page's copy is now spent.
    const stolen = localStorage.getItem(STORAGE_KEYS.refreshToken);
    await api.fetch('/api/auth/refresh', { method: 'POST', body: JSON.stringify({ refreshToken: stolen }) });

    await first.controller.refreshNow();
    await settle();

    expect(first.controller.getState()).toMatchObject({ phase: 'signed-out', notice: { tone: 'error', code: 'refresh_token_reused' } });
    expect(first.controller.getState().notice?.text).toMatch(/used a second time/);
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toBeNull();
    expect(second.controller.getState().phase).toBe('signed-out');
  });
});

describe('logging out', () => {
  it('a logout in one tab logs out the other', async () => {
    vi.useFakeTimers();
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { first, second } = await twoTabsLoggedIn(api);

    await first.controller.logOut();
    await settle();

    expect(api.countRequests('POST', '/api/auth/logout')).toBe(1);
    expect(first.controller.getState().phase).toBe('signed-out');
    expect(second.controller.getState()).toMatchObject({ phase: 'signed-out', notice: { text: 'You were logged out in another tab.' } });
  });

  it('a logout during a refresh waits for it, then revokes the session with the newest token', async () => {
    vi.useFakeTimers();
    const { api, tab } = await oneTabLoggedIn();
    const firstToken = localStorage.getItem(STORAGE_KEYS.accessToken);

    const release = api.holdRefreshes();
    const refreshing = tab.controller.refreshNow();
    await settle();
    const loggingOut = tab.controller.logOut();
    await settle();
    expect(api.countRequests('POST', '/api/auth/logout')).toBe(0);
    release();
    await Promise.all([refreshing, loggingOut]);

    const logout = api.requests.at(-1);
    expect(logout?.path).toBe('/api/auth/logout');
    expect(logout?.headers.get('authorization')).toMatch(/^Bearer eyJ/);
    expect(logout?.headers.get('authorization')).not.toBe(`Bearer ${firstToken}`);
    expect(tab.controller.getState().phase).toBe('signed-out');
    expect(localStorage.length).toBe(0);
  });

  it('switching mode while logged in revokes the session on the server and clears both storages', async () => {
    const { api, tab } = await oneTabLoggedIn({ strategy: 'cookie' });
    expect(api.cookieJar.size).toBe(2);
    expect(localStorage.getItem(STORAGE_KEYS.cookieSession)).not.toBeNull();

    await tab.controller.switchStrategy('localStorage');

    const logout = api.requests.at(-1);
    expect(`${logout?.method} ${logout?.path}`).toBe('POST /api/auth/logout');
    expect(logout?.headers.get('x-csrf-token')).toMatch(/^csrf-/);
    expect(api.cookieJar.size).toBe(0);
    expect(Object.keys(localStorage)).toEqual([STORAGE_KEYS.mode]);
    expect(tab.controller.getState()).toMatchObject({ phase: 'signed-out', strategy: 'localStorage' });
    expect(tab.controller.getState().notice?.text).toMatch(/^You switched to localStorage mode, so you were logged out of cookie mode first/);
  });
});

describe('restoring after a reload', () => {
  it('starts in "restoring", never signed out, when a session is stored, then signs in from the server', async () => {
    const { api } = await oneTabLoggedIn();

    const reloaded = openTab(api, createFakeBrowser().join());
    expect(reloaded.controller.getState().phase).toBe('restoring');
    await reloaded.controller.start();
    expect(reloaded.controller.getState()).toMatchObject({ phase: 'signed-in', user: { username: 'alice' } });
    expect(api.countRequests('GET', '/api/auth/session')).toBe(1);
  });

  it('refreshes instead of asking with an expired token (which would only earn a 401)', async () => {
    vi.useFakeTimers();
    const { api, tab: before } = await oneTabLoggedIn({ strategy: 'cookie', accessTtl: 60 });
    before.controller.setAutoRefresh(false);
    vi.advanceTimersByTime(120_000);

    const reloaded = openTab(api, createFakeBrowser().join());
    await reloaded.controller.start();

    expect(api.countRequests('GET', '/api/auth/session')).toBe(0);
    expect(api.countRequests(...REFRESH)).toBe(1);
    expect(reloaded.controller.getState()).toMatchObject({ phase: 'signed-in', strategy: 'cookie' });
  });

  it('signs out with the reason when the stored session was revoked meanwhile', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { first } = await twoTabsLoggedIn(api);
    const token = localStorage.getItem(STORAGE_KEYS.accessToken);
    await first.controller.logOutEverywhere();
    localStorage.setItem(STORAGE_KEYS.accessToken, token ?? '');

    const reloaded = openTab(api, createFakeBrowser().join());
    await reloaded.controller.start();

    expect(reloaded.controller.getState()).toMatchObject({ phase: 'signed-out', notice: { code: 'token_revoked' } });
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toBeNull();
  });
});

describe('the other strategies through the whole session', () => {
  it('memory: after a reload the page has no token, gets one from the refresh route with the CSRF cookie, and is signed in', async () => {
    const { api, tab: before } = await oneTabLoggedIn({ strategy: 'memory' });
    expect(before.controller.getState().credential?.accessToken).toMatch(/^eyJ/);
    expect(JSON.stringify({ ...localStorage })).not.toContain('eyJ');

    const reloaded = openTab(api, createFakeBrowser().join());
    expect(reloaded.controller.getState()).toMatchObject({ phase: 'restoring', strategy: 'memory' });
    await reloaded.controller.start();

    expect(reloaded.controller.getState()).toMatchObject({ phase: 'signed-in', user: { username: 'alice' } });
    const refresh = api.requests.filter((request) => request.path === '/api/auth/refresh').at(-1);
    expect(refresh?.headers.get('x-csrf-token')).toMatch(/^csrf-/);
    expect(refresh?.credentials).toBe('same-origin');

    await reloaded.controller.logOut();
    expect(api.visibleCookies()).toBe('');
    expect(openTab(api, createFakeBrowser().join()).controller.getState().phase).toBe('signed-out');
  });

  it('sessionStorage: a reload of the tab keeps the session, another tab does not share it, nor its logout', async () => {
    vi.useFakeTimers();
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const browser = createFakeBrowser();
    const tabStorage = new MemoryStorage();
    const first = openTab(api, browser.join(), { session: tabStorage });
    await first.controller.switchStrategy('sessionStorage');
    await first.controller.logIn('alice', 'password1');
    expect(tabStorage.getItem(STORAGE_KEYS.accessToken)).toMatch(/^eyJ/);
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toBeNull();

    const other = openTab(api, browser.join());
    await other.controller.start();
    expect(other.controller.getState()).toMatchObject({ phase: 'signed-out', strategy: 'sessionStorage' });

    const reloaded = openTab(api, browser.join(), { session: tabStorage });
    await reloaded.controller.start();
    expect(reloaded.controller.getState()).toMatchObject({ phase: 'signed-in', user: { username: 'alice' } });

    // The other tab logs in on its own; a logout here is not its logout.
    await other.controller.logIn('alice', 'password1');
    await reloaded.controller.logOut();
    await settle();
    expect(other.controller.getState()).toMatchObject({ phase: 'signed-in', notice: { tone: 'info' } });
    expect(other.controller.getState().notice?.text).not.toContain('another tab');
  });

  it('DPoP: logs in with a proof, loads private data with a fresh proof, and the token is bound to the key', async () => {
    const { api, tab } = await oneTabLoggedIn({ strategy: 'dpop' });
    expect(tab.controller.getState().phase).toBe('signed-in');

    await tab.controller.loadPrivateData();
    await tab.controller.loadPrivateData();
    const result = tab.controller.getState().privateData?.result;
    expect(result).toMatchObject({ ok: true, value: { via: 'dpop' } });
    const claims = result?.ok ? result.value.claims : null;
    expect(claims?.cnf?.jkt).toBe(await tab.strategies.dpop.keyThumbprint!());
    const reads = api.requests.filter((request) => request.path === '/api/private');
    expect(reads.map((request) => request.headers.get('authorization')?.split(' ')[0])).toEqual(['DPoP', 'DPoP']);
    expect(reads[0]!.headers.get('dpop')).not.toBe(reads[1]!.headers.get('dpop'));

    await tab.controller.refreshNow();
    expect(tab.controller.getState()).toMatchObject({ phase: 'signed-in', notice: { tone: 'info' } });
  });
});
