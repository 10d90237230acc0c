/**
 * THE ATTACKER'S SCRIPT. Everything here is what a stored XSS would run in this page. It is the
 * one deliberate exception to the rule that only lib/credential-strategy.ts touches localStorage:
 * an injected script obeys no module boundary, and showing exactly what it can reach is the point.
 * It reads storage generically (every key), as a real payload would, never through the page's code.
 */

/** Everything a script on this page can read without asking anyone. */
export interface StorageLoot {
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  'document.cookie': string;
}

export function readEverythingAScriptCan(): StorageLoot {
  return {
    localStorage: dump(window.localStorage),
    sessionStorage: dump(window.sessionStorage),
    // HttpOnly cookies never appear here: that is all HttpOnly does.
    'document.cookie': document.cookie,
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

/** What riding the session returned: the page's own origin, the browser's own cookies. */
export interface SessionRide {
  request: string;
  status: number | null;
  answer: unknown;
}

/**
 * Session riding: with nothing to steal, the script asks the API from inside the page. The browser
 * attaches the HttpOnly cookie by itself, because the request comes from the app's own origin. It
 * bypasses the page's API client on purpose, so it never shows up in the Request log either.
 */
export async function rideTheSession(): Promise<SessionRide> {
  const request = 'GET /api/private';
  try {
    const response = await fetch('/api/private', { credentials: 'same-origin' });
    return { request, status: response.status, answer: await response.json().catch(() => null) };
  } catch {
    return { request, status: null, answer: null };
  }
}

const JWT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g;

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

export function describePath([first = '', ...rest]: string[]): string {
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
