import 'fake-indexeddb/auto';
import * as shared from '@jwt-lab/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { DPOP_PROOF_TYPE } from '../../../lib/dpop-proof';
import { decodeJwt } from '../../../lib/jwt';
import { makeJwt } from '../../../test/fake-api';
import { createMemoryKeyStore } from '../../../test/memory-key-store';
import { MemoryStorage } from '../../../test/tabs';
import { COOKIE_SESSION_KEY, createCookieStrategy } from './cookie-strategy';
import { createIndexedDbKeyStore } from './dpop-key-store';
import { createDpopStrategy, DPOP_STORAGE_KEYS } from './dpop-strategy';
import { createMemoryStrategy } from './memory-strategy';
import { PREFERRED_STRATEGY_KEY, readPreferredStrategy, savePreferredStrategy } from './preferred-strategy';
import { createStrategies } from './strategy-catalog';
import { STRATEGY_IDS } from './strategy';
import { createWebStorageStrategy, WEB_STORAGE_KEYS } from './web-storage-strategy';
import { CSRF_HEADER, DPOP_HEADER, DPOP_NONCE_HEADER, MEMORY_CSRF_COOKIE } from './wire-names';

// Each strategy keeps its credential where it says, and nowhere else: every other storage area the
// page could use stays empty, and requests carry it only the way the strategy names.

const user = { id: 'u1', username: 'alice' };
const accessToken = makeJwt({ alg: 'HS256', typ: 'at+jwt' }, { sub: 'u1', exp: 2_000_000_000 });
const refreshToken = makeJwt({ alg: 'HS256', typ: 'rt+jwt' }, { sub: 'u1', exp: 2_000_000_000 });
const read = { method: 'GET', url: 'http://localhost:3000/api/private' };
const refresh = { method: 'POST', url: 'http://localhost:3000/api/auth/refresh' };

/** Every place a page could keep something, as the strategies see them. */
function browser() {
  const local = new MemoryStorage();
  const session = new MemoryStorage();
  let cookies = '';
  return { local, session, cookies: () => cookies, setCookies: (value: string) => void (cookies = value) };
}

const everything = (place: ReturnType<typeof browser>) => JSON.stringify({ local: { ...entries(place.local) }, session: { ...entries(place.session) } });
function entries(storage: Storage) {
  return Object.fromEntries(Array.from({ length: storage.length }, (_, index) => [storage.key(index)!, storage.getItem(storage.key(index)!)]));
}

describe('localStorage strategy', () => {
  it('keeps both tokens in localStorage only and sends the access token as a Bearer header, never cookies', async () => {
    const place = browser();
    const strategy = createWebStorageStrategy('localStorage', place.local);
    const kept = strategy.keep({ mode: 'header', user, accessToken, refreshToken, tokenType: 'Bearer', expiresIn: 900 }, 0);

    expect(kept).toEqual({ stamp: accessToken, expiresAt: 2_000_000_000_000, accessToken });
    expect(entries(place.local)).toEqual({ [WEB_STORAGE_KEYS.accessToken]: accessToken, [WEB_STORAGE_KEYS.refreshToken]: refreshToken });
    expect(place.session.length).toBe(0);
    expect(await strategy.attach('read', read)).toEqual({
      headers: { authorization: `Bearer ${accessToken}` },
      credentials: 'omit',
      carrier: 'authorization-header',
      csrfSent: false,
    });
    expect(await strategy.attach('refresh', refresh)).toMatchObject({ body: { refreshToken }, carrier: 'body', credentials: 'omit' });
    expect(strategy.restorable()).toBe(true);
  });

  it('forgets both tokens on clear and then sends nothing', async () => {
    const place = browser();
    const strategy = createWebStorageStrategy('localStorage', place.local);
    strategy.keep({ mode: 'header', user, accessToken, refreshToken, tokenType: 'Bearer', expiresIn: 900 }, 0);
    await strategy.clear();
    expect(place.local.length).toBe(0);
    expect(strategy.read()).toBeNull();
    expect(await strategy.attach('change', read)).toMatchObject({ headers: {}, carrier: 'none' });
  });
});

describe('sessionStorage strategy', () => {
  it("keeps both tokens in this tab's sessionStorage only: localStorage stays empty, another tab finds nothing", async () => {
    const place = browser();
    const strategy = createWebStorageStrategy('sessionStorage', place.session);
    strategy.keep({ mode: 'header', user, accessToken, refreshToken, tokenType: 'Bearer', expiresIn: 900 }, 0);

    expect(entries(place.session)).toEqual({ [WEB_STORAGE_KEYS.accessToken]: accessToken, [WEB_STORAGE_KEYS.refreshToken]: refreshToken });
    expect(place.local.length).toBe(0);
    expect(await strategy.attach('read', read)).toMatchObject({ headers: { authorization: `Bearer ${accessToken}` }, credentials: 'omit' });
    // A reload of the same tab keeps sessionStorage; another tab has a sessionStorage of its own.
    expect(createWebStorageStrategy('sessionStorage', place.session).read()?.accessToken).toBe(accessToken);
    expect(createWebStorageStrategy('sessionStorage', new MemoryStorage()).restorable()).toBe(false);
  });
});

describe('memory strategy', () => {
  const login = { mode: 'memory', user, accessToken, tokenType: 'Bearer', expiresIn: 900, csrfToken: 'csrf-1' } as const;

  it('keeps the access token in a variable only: no storage holds it, and a new instance (a reload) has none', async () => {
    const place = browser();
    place.setCookies(`${MEMORY_CSRF_COOKIE}=csrf-1`);
    const strategy = createMemoryStrategy(place.cookies);
    strategy.keep(login, 0);

    expect(strategy.read()).toMatchObject({ accessToken });
    expect(everything(place)).not.toContain('eyJ');
    expect(await strategy.attach('read', read)).toEqual({
      headers: { authorization: `Bearer ${accessToken}` },
      credentials: 'same-origin',
      carrier: 'authorization-header',
      csrfSent: false,
    });

    const reloaded = createMemoryStrategy(place.cookies);
    expect(reloaded.read()).toBeNull();
    expect(reloaded.restorable()).toBe(true);
  });

  it('after a reload, refreshes with the refresh cookie and the CSRF token read from the readable cookie', async () => {
    const place = browser();
    place.setCookies(`theme=dark; ${MEMORY_CSRF_COOKIE}=csrf-1`);
    const reloaded = createMemoryStrategy(place.cookies);
    expect(await reloaded.attach('refresh', refresh)).toEqual({
      headers: { [CSRF_HEADER]: 'csrf-1' },
      credentials: 'same-origin',
      body: {},
      carrier: 'cookie',
      csrfSent: true,
    });
  });

  it('drops its copy once the session ended in another tab (the server cleared the CSRF cookie)', () => {
    const place = browser();
    place.setCookies(`${MEMORY_CSRF_COOKIE}=csrf-1`);
    const strategy = createMemoryStrategy(place.cookies);
    strategy.keep(login, 0);
    place.setCookies('');
    expect(strategy.read()).toBeNull();
    expect(strategy.restorable()).toBe(false);
  });
});

describe('cookie strategy', () => {
  it('keeps no token in the page, only the CSRF token and expiry, and sends X-CSRF-Token on changes only', async () => {
    const place = browser();
    const strategy = createCookieStrategy(place.local);
    const kept = strategy.keep({ mode: 'cookie', user, expiresIn: 60, csrfToken: 'csrf-1' }, 1_000);

    expect(kept).toMatchObject({ expiresAt: 61_000, accessToken: null });
    expect(Object.keys(entries(place.local))).toEqual([COOKIE_SESSION_KEY]);
    expect(everything(place)).not.toContain('eyJ');
    expect(await strategy.attach('read', read)).toEqual({ headers: {}, credentials: 'same-origin', carrier: 'cookie', csrfSent: false });
    expect(await strategy.attach('change', read)).toEqual({ headers: { [CSRF_HEADER]: 'csrf-1' }, credentials: 'same-origin', carrier: 'cookie', csrfSent: true });
    expect(await strategy.attach('refresh', refresh)).toMatchObject({ headers: { [CSRF_HEADER]: 'csrf-1' }, body: {}, csrfSent: true });
  });

  it('keeps its stamp when the session endpoint reports the same token, so other tabs see no refresh', () => {
    const strategy = createCookieStrategy(new MemoryStorage());
    const kept = strategy.keep({ mode: 'cookie', user, expiresIn: 60, csrfToken: 'csrf-1' }, 1_000);
    const noted = strategy.noteSession({ user, mode: 'cookie', expiresAt: new Date(61_000).toISOString(), csrfToken: 'csrf-1' });
    expect(noted?.stamp).toBe(kept?.stamp);
  });

  it('ignores an answer of another mode', () => {
    const storage = new MemoryStorage();
    expect(createCookieStrategy(storage).keep({ mode: 'header', user, accessToken, refreshToken, tokenType: 'Bearer', expiresIn: 1 }, 0)).toBeNull();
    expect(storage.length).toBe(0);
  });
});

describe('DPoP strategy', () => {
  const dpopLogin = { mode: 'dpop', user, accessToken, refreshToken, tokenType: 'DPoP', expiresIn: 900 } as const;

  it('keeps the tokens in localStorage and the key in its key store, and signs a fresh proof for every request', async () => {
    const place = browser();
    const keys = createMemoryKeyStore();
    const strategy = createDpopStrategy({ storage: place.local, keys, now: () => 1_700_000_000_000 });
    await strategy.prepareLogin();
    const login = await strategy.attach('login', { method: 'POST', url: 'http://localhost:3000/api/auth/login' });
    strategy.keep(dpopLogin, 0);

    expect(entries(place.local)).toEqual({ [DPOP_STORAGE_KEYS.accessToken]: accessToken, [DPOP_STORAGE_KEYS.refreshToken]: refreshToken });
    expect(place.session.length).toBe(0);
    expect(login).toMatchObject({ credentials: 'omit', carrier: 'none' });
    const loginProof = decodeJwt(login.headers[DPOP_HEADER]!)!;
    expect(loginProof.header).toMatchObject({ typ: DPOP_PROOF_TYPE, alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(loginProof.header.jwk).not.toHaveProperty('d');
    expect(loginProof.claims).toMatchObject({ htm: 'POST', htu: 'http://localhost:3000/api/auth/login', iat: 1_700_000_000 });
    expect(loginProof.claims).not.toHaveProperty('ath');

    const first = await strategy.attach('read', { method: 'GET', url: 'http://localhost:3000/api/private?x=1#y' });
    const second = await strategy.attach('read', read);
    expect(first).toMatchObject({ headers: { authorization: `DPoP ${accessToken}` }, credentials: 'omit', carrier: 'dpop' });
    const [one, two] = [decodeJwt(first.proof!)!.claims, decodeJwt(second.proof!)!.claims];
    expect(one).toMatchObject({ htm: 'GET', htu: 'http://localhost:3000/api/private' });
    expect(one.jti).not.toBe(two.jti);
    const ath = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
    expect(one.ath).toBe(Buffer.from(ath).toString('base64url'));
    // The thumbprint the inspector shows is the one a bound token names in cnf.jkt.
    expect(await strategy.keyThumbprint!()).toMatch(/^[\w-]{43}$/);

    const refreshing = await strategy.attach('refresh', refresh);
    expect(refreshing).toMatchObject({ body: { refreshToken }, carrier: 'body' });
    expect(decodeJwt(refreshing.proof!)!.claims).toMatchObject({ htm: 'POST', htu: refresh.url });
  });

  it('its key is non-extractable: the private key cannot be exported, even by the page', async () => {
    const keys = createMemoryKeyStore();
    await createDpopStrategy({ storage: new MemoryStorage(), keys }).prepareLogin();
    const pair = keys.current()!;
    expect(pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow();
  });

  it('signs again with the nonce the server asks for (RFC 9449 section 8)', async () => {
    const strategy = createDpopStrategy({ storage: new MemoryStorage(), keys: createMemoryKeyStore() });
    await strategy.prepareLogin();
    strategy.keep(dpopLogin, 0);
    const challenge = new Response(null, { status: 401, headers: { [DPOP_NONCE_HEADER]: 'n-1', 'www-authenticate': 'DPoP error="use_dpop_nonce"' } });
    expect(strategy.observe!(challenge)).toBe(true);
    expect(decodeJwt((await strategy.attach('read', read)).proof!)!.claims.nonce).toBe('n-1');
    // The same nonce again is not a new challenge: no endless retries.
    expect(strategy.observe!(challenge)).toBe(false);
  });

  it('keeps the CryptoKey in IndexedDB: a new instance (a reload, a new tab) finds the same key; clear deletes it', async () => {
    const storage = new MemoryStorage();
    const first = createDpopStrategy({ storage, keys: createIndexedDbKeyStore() });
    await first.prepareLogin();
    first.keep(dpopLogin, 0);
    const thumbprint = await first.keyThumbprint!();

    const reloaded = createDpopStrategy({ storage, keys: createIndexedDbKeyStore() });
    expect(await reloaded.keyThumbprint!()).toBe(thumbprint);
    const stored = await createIndexedDbKeyStore().load();
    expect(stored?.privateKey.extractable).toBe(false);

    await reloaded.clear();
    expect(storage.length).toBe(0);
    expect(await createIndexedDbKeyStore().load()).toBeNull();
    // Without the key a request goes without a proof, and the server will refuse it.
    storage.setItem(DPOP_STORAGE_KEYS.accessToken, accessToken);
    const orphan = createDpopStrategy({ storage, keys: createIndexedDbKeyStore() });
    expect((await orphan.attach('read', read)).headers).toEqual({ authorization: `DPoP ${accessToken}` });
  });
});

describe('the catalog and the shared names', () => {
  beforeEach(() => localStorage.clear());

  it('has one strategy per Storage mode option, each named by the storage it begins with', () => {
    const strategies = createStrategies({ local: new MemoryStorage(), session: new MemoryStorage(), readCookies: () => '', dpopKeys: createMemoryKeyStore() });
    expect(STRATEGY_IDS.map((id) => strategies[id].description.label)).toEqual([
      'localStorage + Authorization header',
      'sessionStorage + Authorization header',
      'Memory + refresh cookie',
      'HttpOnly cookie + CSRF token',
      'DPoP: token bound to a key the page cannot export',
    ]);
    expect(STRATEGY_IDS.map((id) => strategies[id].serverMode)).toEqual(['header', 'header', 'memory', 'cookie', 'dpop']);
  });

  it('spells the header and cookie names exactly as the server does', () => {
    expect([CSRF_HEADER, DPOP_HEADER, DPOP_NONCE_HEADER, MEMORY_CSRF_COOKIE, DPOP_PROOF_TYPE]).toEqual([
      shared.CSRF_HEADER,
      shared.DPOP_HEADER,
      shared.DPOP_NONCE_HEADER,
      shared.MEMORY_CSRF_COOKIE,
      shared.DPOP_PROOF_TYPE,
    ]);
  });

  it('remembers the preferred strategy, defaulting to localStorage, and reads what older pages saved', () => {
    expect(readPreferredStrategy()).toBe('localStorage');
    savePreferredStrategy('dpop');
    expect(readPreferredStrategy()).toBe('dpop');
    localStorage.setItem(PREFERRED_STRATEGY_KEY, 'cookie');
    expect(readPreferredStrategy()).toBe('cookie');
    localStorage.setItem(PREFERRED_STRATEGY_KEY, 'header');
    expect(readPreferredStrategy()).toBe('localStorage');
  });
});
