import { randomBytes } from 'node:crypto';
import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';

export { expect };

export type StorageMode = 'header' | 'cookie';

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
} as const;

/** The Storage mode radio of each mode, by the words the contract promises in its name. */
export const MODE_RADIO: Record<StorageMode, RegExp> = { header: /localStorage/, cookie: /cookie/ };

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

export interface Loot {
  id: number;
  from: string | null;
  kind: string;
  data: Record<string, unknown>;
}

/** The attack lab's attacker site, asked directly by the test rather than through the page. */
export interface Attacker {
  origin: string;
  loot(): Promise<Loot[]>;
  replay(lootId: number): Promise<{ attempts: Array<{ credential: string; status: number | null; answer: Record<string, unknown> }> }>;
}

let accounts = 0;

export const test = base.extend<Fixtures & Options>({
  storageMode: ['header', { option: true }],

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
      const response = await page.request.post('/api/auth/login', { data: { ...who, mode: storageMode } });
      expect(response.status(), await response.text()).toBe(200);
      const answer = (await response.json()) as { accessToken?: string; refreshToken?: string; csrfToken?: string; expiresIn: number };
      // Any page of the app's origin gives access to its storage before the app itself starts.
      await page.goto('/api/health');
      await page.evaluate(
        ({ keys, mode, answer }) => {
          localStorage.setItem(keys.mode, mode);
          if (mode === 'header') {
            localStorage.setItem(keys.accessToken, answer.accessToken!);
            localStorage.setItem(keys.refreshToken, answer.refreshToken!);
          } else {
            // What the page itself keeps after a cookie-mode login: the CSRF token and the expiry, never a token.
            const expiresAt = Date.now() + answer.expiresIn * 1000;
            localStorage.setItem(keys.cookieSession, JSON.stringify({ csrfToken: answer.csrfToken, expiresAt, stamp: `e2e:${expiresAt}` }));
          }
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
    const { attackerPort } = (await info.json()) as { attackerPort: number };
    // The app is opened at localhost, so the attacker is the other loopback name: another site.
    const origin = `http://127.0.0.1:${attackerPort}`;
    await use({
      origin,
      loot: async () => ((await (await request.get(`${origin}/loot`)).json()) as { loot: Loot[] }).loot,
      replay: async (lootId) => {
        const response = await request.post(`${origin}/replay`, { data: { lootId } });
        expect(response.status()).toBe(200);
        return response.json();
      },
    });
  },
});

export const sessionRegion = (page: Page): Locator => page.getByRole('region', { name: 'Your session' });
export const attackLab = (page: Page): Locator => page.getByRole('region', { name: 'Attack lab' });
export const privateData = (page: Page): Locator => page.getByRole('region', { name: 'Private data' });
export const tokenInspector = (page: Page): Locator => page.getByRole('region', { name: 'Token inspector' });

/** Reads one localStorage entry of the app's origin. */
export const readStorage = (page: Page, key: string) => page.evaluate((name) => localStorage.getItem(name), key);

export const JWT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/;
