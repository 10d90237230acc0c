import { randomBytes } from 'node:crypto';
import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { AttackLabInfo, LoginResponse, LootResponse, ReplayResponse, type Loot } from '@jwt-lab/shared';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { readJson } from './read-json.js';

export { expect };

/** The page's strategies (the Storage mode options), by the id the page saves in localStorage["jwtlab.mode"]. */
export type StorageMode = 'localStorage' | 'sessionStorage' | 'memory' | 'cookie' | 'dpop';

export interface Account {
  username: string;
  password: string;
}

/** The page's localStorage keys (shown on the page itself, in the token inspector and the lab). */
export const STORAGE_KEYS = {
  mode: 'jwtlab.mode',
  accessToken: 'jwtlab.accessToken',
  refreshToken: 'jwtlab.refreshToken',
  cookieSession: 'jwtlab.cookieSession',
  dpopAccessToken: 'jwtlab.dpop.accessToken',
  dpopRefreshToken: 'jwtlab.dpop.refreshToken',
} as const;

/** The Storage mode radio of each strategy, by the words the contract promises its name begins with. */
export const MODE_RADIO: Record<StorageMode, RegExp> = {
  localStorage: /^localStorage/,
  sessionStorage: /^sessionStorage/,
  memory: /^Memory/,
  cookie: /^HttpOnly cookie/,
  dpop: /^DPoP/,
};

/** The server mode each strategy logs in with. */
export const SERVER_MODE: Record<StorageMode, 'header' | 'cookie' | 'memory' | 'dpop'> = {
  localStorage: 'header',
  sessionStorage: 'header',
  memory: 'memory',
  cookie: 'cookie',
  dpop: 'dpop',
};

/** What `via` of /api/private says for each strategy. */
export const VIA: Record<StorageMode, 'header' | 'cookie' | 'dpop'> = {
  localStorage: 'header',
  sessionStorage: 'header',
  memory: 'header',
  cookie: 'cookie',
  dpop: 'dpop',
};

/**
 * What each strategy does on a reload and in a new tab, as the per-strategy tests prove in a real
 * browser (tests/modes/reload-and-tabs.spec.ts); the side-by-side test holds its cells to the same.
 */
export const LIFETIME: Record<StorageMode, { survivesReload: boolean; newTabShares: boolean }> = {
  localStorage: { survivesReload: true, newTabShares: true },
  sessionStorage: { survivesReload: true, newTabShares: false },
  memory: { survivesReload: true, newTabShares: true },
  cookie: { survivesReload: true, newTabShares: true },
  dpop: { survivesReload: true, newTabShares: true },
};

export interface ConsoleGuard {
  /**
   * Lets through Chromium's "Failed to load resource: … status of <status>" line for requests to
   * `path` in this test: the ones the test provokes on purpose. Every other console error fails it.
   */
  allowFailedRequest(status: number, path: string): void;
  /** Watches the pages of another context too (the default one is watched from the start). */
  watch(context: BrowserContext): void;
}

interface Options {
  storageMode: StorageMode;
}

interface Fixtures {
  consoleErrors: ConsoleGuard;
  /** A user of this test alone, registered through the API. */
  account: Account;
  /** Logs `page` in through the API (the form is not the subject) and opens the app, logged in. */
  signIn: (page: Page, account?: Account) => Promise<void>;
  /** The default page, logged in as `account` in this project's storage mode. */
  signedInPage: Page;
  /** Another browser context (another browser, as far as the app can tell), watched like the default one. */
  openContext: () => Promise<BrowserContext>;
  attacker: Attacker;
}


/** The attack lab's attacker site, asked directly by the test rather than through the page. */
export interface Attacker {
  origin: string;
  loot(): Promise<Loot[]>;
  replay(lootId: number): Promise<ReplayResponse>;
}

let accounts = 0;

export const test = base.extend<Fixtures & Options>({
  storageMode: ['localStorage', { option: true }],

  consoleErrors: [
    async ({ context, baseURL }, use) => {
      const allowed: Array<{ status: number; path: string }> = [];
      const unexpected: string[] = [];
      const appOrigin = new URL(baseURL!).origin;
      const watchPage = (page: Page) => {
        // Only the app's pages: the attacker's page makes the browser complain on purpose.
        const onAppPage = () => page.url() === 'about:blank' || new URL(page.url()).origin === appOrigin;
        page.on('console', (message) => {
          if (message.type() !== 'error' || !onAppPage()) return;
          const resource = message.location().url;
          const deliberate = allowed.some(
            ({ status, path }) => message.text().includes(`status of ${status}`) && resource !== '' && new URL(resource).pathname === path,
          );
          if (!deliberate) unexpected.push(`${message.text()} (${resource || page.url()})`);
        });
        page.on('pageerror', (error) => {
          if (onAppPage()) unexpected.push(`uncaught: ${error.message}`);
        });
      };
      const watch = (watched: BrowserContext) => {
        watched.pages().forEach(watchPage);
        watched.on('page', watchPage);
      };
      watch(context);
      await use({ allowFailedRequest: (status, path) => void allowed.push({ status, path }), watch });
      expect(unexpected, 'console errors on the app page').toEqual([]);
    },
    { auto: true },
  ],

  account: async ({ request }, use, testInfo) => {
    // Unique across workers, runs and retries; short enough for the 64-character limit.
    const username = `e2e_${testInfo.workerIndex}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}_${++accounts}`;
    const account = { username, password: `pw-${randomBytes(6).toString('hex')}` };
    const response = await request.post('/api/auth/register', { data: account });
    expect(response.status(), await response.text()).toBe(201);
    await use(account);
  },

  signIn: async ({ account, storageMode }, use) => {
    await use(async (page, who = account) => {
      if (storageMode === 'dpop') {
        // The key must be the page's own, created non-extractable in the page: only the form can log in.
        await page.goto('/');
        await logInThroughTheForm(page, storageMode, who);
        return;
      }
      // page.request shares the browser context's cookies: memory and cookie modes' cookies land in the browser.
      const response = await page.request.post('/api/auth/login', { data: { ...who, mode: SERVER_MODE[storageMode] } });
      expect(response.status(), await response.text()).toBe(200);
      const login = await readJson(response, LoginResponse);
      const answer = {
        accessToken: 'accessToken' in login ? login.accessToken : null,
        refreshToken: 'refreshToken' in login ? login.refreshToken : null,
        csrfToken: 'csrfToken' in login ? login.csrfToken : null,
        expiresIn: login.expiresIn,
      };
      // Any page of the app's origin gives access to its storage before the app itself starts (the same tab: its sessionStorage too).
      await page.goto('/api/health');
      await page.evaluate(
        ({ keys, mode, answer }) => {
          localStorage.setItem(keys.mode, mode);
          if (mode === 'localStorage' || mode === 'sessionStorage') {
            const storage = mode === 'localStorage' ? localStorage : sessionStorage;
            storage.setItem(keys.accessToken, answer.accessToken!);
            storage.setItem(keys.refreshToken, answer.refreshToken!);
          } else if (mode === 'cookie') {
            // What the page itself keeps after a cookie-mode login: the CSRF token and the expiry, never a token.
            const expiresAt = Date.now() + answer.expiresIn * 1000;
            localStorage.setItem(keys.cookieSession, JSON.stringify({ csrfToken: answer.csrfToken, expiresAt, stamp: `e2e:${expiresAt}` }));
          }
          // Memory mode keeps nothing: the page starts as after a reload, and refreshes with the cookies.
        },
        { keys: STORAGE_KEYS, mode: storageMode, answer },
      );
      await page.goto('/');
      await expect(sessionRegion(page)).toContainText(`Logged in as ${who.username}`);
    });
  },

  signedInPage: async ({ page, signIn }, use) => {
    await signIn(page);
    await use(page);
  },

  openContext: async ({ browser, baseURL, consoleErrors }, use) => {
    const opened: BrowserContext[] = [];
    await use(async () => {
      // A context made by hand gets none of the config's `use` options: pass the base URL on.
      const another = await browser.newContext({ baseURL });
      opened.push(another);
      consoleErrors.watch(another);
      return another;
    });
    await Promise.all(opened.map((another) => another.close()));
  },

  attacker: async ({ request }, use) => {
    const info = await request.get('/api/attack-lab');
    expect(info.status()).toBe(200);
    const { attackerPort } = await readJson(info, AttackLabInfo);
    if (attackerPort === null) throw new Error('the attack lab is on, but its attacker site does not listen');
    // The app is opened at localhost, so the attacker is the other loopback name: another site.
    const origin = `http://127.0.0.1:${attackerPort}`;
    await use({
      origin,
      loot: async () => (await readJson(await request.get(`${origin}/loot`), LootResponse)).loot,
      replay: async (lootId) => {
        const response = await request.post(`${origin}/replay`, { data: { lootId } });
        expect(response.status()).toBe(200);
        return readJson(response, ReplayResponse);
      },
    });
  },
});

export const sessionRegion = (page: Page): Locator => page.getByRole('region', { name: 'Your session' });

/** Picks the strategy and logs in through the form, as a visitor does. */
export async function logInThroughTheForm(page: Page, mode: StorageMode, who: Account) {
  const session = sessionRegion(page);
  await session.getByRole('radio', { name: MODE_RADIO[mode] }).check();
  await session.getByLabel('Username', { exact: true }).fill(who.username);
  await session.getByLabel('Password', { exact: true }).fill(who.password);
  await session.getByRole('button', { name: 'Log in' }).click();
  await expect(session).toContainText(`Logged in as ${who.username}`);
}
export const attackLab = (page: Page): Locator => page.getByRole('region', { name: 'Attack lab' });
export const privateData = (page: Page): Locator => page.getByRole('region', { name: 'Private data' });
export const tokenInspector = (page: Page): Locator => page.getByRole('region', { name: 'Token inspector' });

/** Reads one localStorage entry of the app's origin. */
export const readStorage = (page: Page, key: string) => page.evaluate((name) => localStorage.getItem(name), key);

export const JWT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/;

/** One part of a JWT (0: header, 1: claims) decoded; refuses anything that is not a JSON object. */
export function jwtPart(token: string, part: 0 | 1): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString());
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JWT part');
  return Object.fromEntries(Object.entries(value));
}

/** What of cookie mode's record in localStorage a test reads (the page keeps more beside it). */
const CookieSessionRecord = Type.Object({ csrfToken: Type.String() });

/** The CSRF token of cookie mode's record, as the page stored it (it is not a credential). */
export async function readCookieSessionCsrfToken(page: Page): Promise<string> {
  const record: unknown = JSON.parse((await readStorage(page, STORAGE_KEYS.cookieSession)) ?? 'null');
  if (!Value.Check(CookieSessionRecord, record)) throw new Error('no cookie-mode session record in localStorage');
  return record.csrfToken;
}
