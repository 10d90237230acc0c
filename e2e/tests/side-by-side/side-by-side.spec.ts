import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';
import { chromiumExecutable } from '../../browser.js';
import { ForeignRequestsResponse, LootResponse, type Loot } from '@jwt-lab/shared';
import { expect, JWT, jwtPart, LIFETIME, MODE_RADIO, test, type StorageMode } from '../../support/fixtures.js';
import { readJson } from '../../support/read-json.js';

// One press of Run every experiment, and every cell held against what the browser and the
// attacker's collector really saw: the collector's records, the app's record of forged requests,
// the replay answers the page received, and the second tab's own requests.

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, '../../../docs/screenshots')
  : path.resolve(import.meta.dirname, '../../test-results/screenshots');

const COLUMNS = [
  'XSS reads the token',
  "Stolen token works from the attacker's server",
  'Script acts from the open page',
  'Forged cross-site request works',
  'Survives a reload',
  'New tab shares the session',
  'Logout in one tab is seen by the others',
] as const;
type Column = (typeof COLUMNS)[number];

const STRATEGIES: StorageMode[] = ['localStorage', 'sessionStorage', 'memory', 'cookie', 'dpop'];

interface Row {
  header: string;
  cells: Record<Column, { text: string; links: string[] }>;
}

interface Observed {
  /** The replay answers the page got from the attacker's server, in the order of the rows. */
  replays: Array<{ attempts: Array<{ status: number | null; credential: string }> }>;
  /** The second tab's successful GET /api/auth/session answers: one per row whose session it shared. */
  newTabSessions: () => number;
}

/** Presses the button and waits for the run to finish, watching what the browser did meanwhile. */
async function runEveryExperiment(page: Page, context: BrowserContext): Promise<Observed> {
  const replays: Observed['replays'] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/replay') void response.json().then((body: Observed['replays'][number]) => replays.push(body));
  });
  let newTabSessions = 0;
  context.on('page', (opened) => {
    opened.on('response', (response) => {
      if (new URL(opened.url()).searchParams.has('side-by-side-tab') && new URL(response.url()).pathname === '/api/auth/session' && response.status() === 200) newTabSessions++;
    });
  });
  const region = page.getByRole('region', { name: 'Side by side' });
  await region.getByRole('button', { name: 'Run every experiment' }).click();
  await expect(region.getByRole('status')).toHaveText(/^Done: 8 rows/, { timeout: 200_000 });
  return { replays, newTabSessions: () => newTabSessions };
}

async function readTables(page: Page): Promise<Row[]> {
  const region = page.getByRole('region', { name: 'Side by side' });
  const rows: Row[] = [];
  for (const table of await region.getByRole('table').all()) {
    const headers = (await table.getByRole('columnheader').allInnerTexts()).slice(1);
    expect(headers).toEqual([...COLUMNS]);
    for (const row of await table.getByRole('row').all()) {
      if ((await row.getByRole('rowheader').count()) === 0) continue; // the row of column headers
      const header = await row.getByRole('rowheader').innerText();
      const cells = await row.getByRole('cell').all();
      const entries = await Promise.all(
        cells.map(async (cell) => ({ text: (await cell.innerText()).trim(), links: await cell.getByRole('link').evaluateAll((links) => links.map((link) => link.getAttribute('href')!)) })),
      );
      rows.push({ header, cells: Object.fromEntries(COLUMNS.map((column, index) => [column, entries[index]!])) as Row['cells'] });
    }
  }
  return rows;
}

const yes = (cell: { text: string }) => cell.text.startsWith('Yes');
const recordNumbers = (cell: { text: string }) => [...cell.text.matchAll(/collector record #(\d+)/g)].map((match) => Number(match[1]));

async function lootById(request: APIRequestContext, attackerOrigin: string): Promise<Map<number, Loot>> {
  const { loot } = await readJson(await request.get(`${attackerOrigin}/loot`), LootResponse);
  return new Map(loot.map((item) => [item.id, item]));
}

async function forgedAccepted(request: APIRequestContext, href: string): Promise<boolean> {
  const { requests } = await readJson(await request.get(href), ForeignRequestsResponse);
  expect(requests.length, `the attacker's page reached the app (${href})`).toBeGreaterThan(0);
  return requests.some((forged) => forged.method !== 'OPTIONS' && forged.refusedBy === null && forged.status < 400);
}

/** Every cell against the evidence it links to. */
async function checkEveryCell(rows: Row[], observed: Observed, request: APIRequestContext, attackerOrigin: string) {
  const loot = await lootById(request, attackerOrigin);
  expect(observed.replays).toHaveLength(rows.length);
  for (const [index, row] of rows.entries()) {
    for (const column of COLUMNS) expect(row.cells[column].text, `${row.header}: ${column}`).toMatch(/^(Yes|No): /);

    const [stolenRecord] = recordNumbers(row.cells['XSS reads the token']);
    const stolen = loot.get(stolenRecord!)!;
    const tokens = [...JSON.stringify(stolen.data).matchAll(new RegExp(JWT, 'g'))].filter(([token]) => jwtPart(token, 0).typ === 'at+jwt');
    expect(yes(row.cells['XSS reads the token']), `${row.header}: XSS reads the token, as the collector's record #${stolenRecord} shows`).toBe(tokens.length > 0);

    const replay = observed.replays[index]!;
    expect(yes(row.cells["Stolen token works from the attacker's server"]), `${row.header}: the replay the page saw`).toBe(replay.attempts.some((attempt) => attempt.status === 200));

    // The evidence link is the collector's one record, and it holds what the cell counted.
    expect(row.cells['XSS reads the token'].links, `${row.header}: link to record #${stolenRecord}`).toContain(`${attackerOrigin}/loot/${stolenRecord}`);
    expect(await (await request.get(`${attackerOrigin}/loot/${stolenRecord}`)).json(), `${row.header}: /loot/${stolenRecord}`).toEqual(stolen);
    const [rideRecord] = recordNumbers(row.cells['Script acts from the open page']);
    expect(row.cells['Script acts from the open page'].links, `${row.header}: link to record #${rideRecord}`).toEqual([`${attackerOrigin}/loot/${rideRecord}`]);
    expect(yes(row.cells['Script acts from the open page']), `${row.header}: record #${rideRecord}`).toBe(loot.get(rideRecord!)!.data.status === 200);

    const forgedLink = row.cells['Forged cross-site request works'].links.find((href) => href.startsWith('/api/attack-lab/foreign-requests'))!;
    expect(yes(row.cells['Forged cross-site request works']), `${row.header}: the app's record ${forgedLink}`).toBe(await forgedAccepted(request, forgedLink));
  }
  const shared = rows.filter((row) => yes(row.cells['New tab shares the session'])).length;
  expect(observed.newTabSessions(), "the second tab's own GET /api/auth/session answers of 200").toBe(shared);
}

const rowStartingWith = (rows: Row[], header: string) => rows.find((row) => row.header.startsWith(header))!;

/** The app's record of a row's forged requests holds the attacker page's top-level GET navigation, as the browser sent it. */
async function expectNavigationRecord(request: APIRequestContext, rows: Row[], header: string, expected: { status: number; credentialCookies: string[] }) {
  const href = rowStartingWith(rows, header).cells['Forged cross-site request works'].links.find((link) => link.startsWith('/api/attack-lab/foreign-requests'))!;
  const { requests } = await readJson(await request.get(href), ForeignRequestsResponse);
  const navigations = requests.filter((forged) => forged.fetchDest === 'document');
  expect(navigations, `${header}: ${href}`).toEqual([
    expect.objectContaining({ method: 'GET', path: '/api/private', fetchSite: 'cross-site', status: expected.status, carried: expect.objectContaining({ credentialCookies: expected.credentialCookies }) }),
  ]);
}

const byStrategy = (rows: Row[], strategy: StorageMode) => rows.find((row) => MODE_RADIO[strategy].test(row.header))!;

test.describe.configure({ mode: 'serial' });

test('Run every experiment: every strategy and the defences-off rows, every cell as the browser and the collector saw it; no serious axe violation', async ({ page, request, attacker, consoleErrors }) => {
  test.setTimeout(300_000);
  // The second tab checks, after each logout, whether its copy of the session still works: refused on purpose.
  consoleErrors.allowFailedRequest(401, '/api/private');
  consoleErrors.allowFailedRequest(401, '/api/auth/session');
  consoleErrors.allowFailedRequest(401, '/api/auth/refresh');
  await page.goto('/');
  const observed = await runEveryExperiment(page, page.context());
  const rows = await readTables(page);

  // One row per strategy, its header beginning like its option; the defences-off rows apart.
  expect(rows).toHaveLength(8);
  for (const strategy of STRATEGIES) expect(byStrategy(rows, strategy), strategy).toBeDefined();
  expect(rows.filter((row) => row.header.startsWith('Defences off'))).toHaveLength(3);
  await checkEveryCell(rows, observed, request, attacker.origin);

  // The lesson: no strategy stops a script in the page from acting as the user...
  for (const row of rows) expect(row.cells['Script acts from the open page'].text, row.header).toMatch(/^Yes/);
  // ...they differ in whether a token leaves, and whether it works elsewhere.
  for (const strategy of ['localStorage', 'sessionStorage', 'memory'] as const) {
    expect(byStrategy(rows, strategy).cells["Stolen token works from the attacker's server"].text, strategy).toMatch(/^Yes/);
  }
  expect(byStrategy(rows, 'cookie').cells['XSS reads the token'].text).toMatch(/^No/);
  expect(byStrategy(rows, 'dpop').cells['XSS reads the token'].text).toMatch(/^Yes/);
  expect(byStrategy(rows, 'dpop').cells["Stolen token works from the attacker's server"].text).toMatch(/^No.*invalid_dpop_proof/);
  // Reload and new tab as each strategy's own Playwright project proved them with a real reload and a real second tab.
  for (const strategy of STRATEGIES) {
    const row = byStrategy(rows, strategy);
    expect(yes(row.cells['Survives a reload']), `${strategy}: reload`).toBe(LIFETIME[strategy].survivesReload);
    expect(yes(row.cells['New tab shares the session']), `${strategy}: new tab`).toBe(LIFETIME[strategy].newTabShares);
    expect(yes(row.cells['Logout in one tab is seen by the others']), `${strategy}: logout`).toBe(LIFETIME[strategy].newTabShares);
  }
  // Every defence on: the forged requests were refused.
  expect(byStrategy(rows, 'cookie').cells['Forged cross-site request works'].text).toMatch(/^No/);
  // Third-party cookies blocked, yet SameSite=Lax rides the attacker's top-level navigation, and Strict does not.
  await expectNavigationRecord(request, rows, 'Defences off: HttpOnly cookie with SameSite=Lax', { status: 200, credentialCookies: ['jwtlab_lab_access'] });
  await expectNavigationRecord(request, rows, 'HttpOnly cookie', { status: 401, credentialCookies: [] });
  expect(rowStartingWith(rows, 'Defences off: HttpOnly cookie with SameSite=Lax').cells['Forged cross-site request works'].text).toMatch(
    /^Yes: GET \/api\/private \(a top-level navigation\) answered 200 with the cookie jwtlab_lab_access\./,
  );
  // A run leaves no tabs: the new tab and every attacker's page it opened are closed again.
  await expect.poll(() => page.context().pages().map((open) => open.url()), { timeout: 10_000 }).toEqual([page.url()]);

  const region = page.getByRole('region', { name: 'Side by side' });
  const { violations } = await new AxeBuilder({ page }).include('#side-by-side').analyze();
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(serious.flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`))).toEqual([]);
  await region.screenshot({ path: path.join(SCREENSHOTS, 'side-by-side.png') });
});

test('defences off: with third-party cookies allowed, a forged request of a defences-off session gets through while the normal cookie session is refused', async ({ attacker, baseURL }) => {
  test.setTimeout(300_000);
  // A profile whose user allows third-party cookies (this Chromium blocks them by default, and then
  // SameSite=None changes nothing: the first test's table says so). Chrome's own setting, as a visitor would set it.
  const profile = mkdtempSync(path.join(tmpdir(), 'jwt-lab-e2e-profile-'));
  mkdirSync(path.join(profile, 'Default'));
  writeFileSync(path.join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
  const executablePath = chromiumExecutable();
  const context = await chromium.launchPersistentContext(profile, { ...(executablePath ? { executablePath } : {}), baseURL: baseURL! });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    const observed = await runEveryExperiment(page, context);
    const rows = await readTables(page);
    await checkEveryCell(rows, observed, context.request, attacker.origin);

    const forged = (header: string) => rows.find((row) => row.header.startsWith(header))!.cells['Forged cross-site request works'].text;
    expect(forged('HttpOnly cookie')).toMatch(/^No/);
    expect(forged('Defences off: HttpOnly cookie with SameSite=None,')).toMatch(/^Yes: .*POST \/api\/auth\/logout answered 204 with the cookie/);
    expect(forged('Defences off: HttpOnly cookie with SameSite=None')).toMatch(/^Yes: GET \/api\/private( \(a top-level navigation\))? answered 200 with the cookie/);
    expect(forged('Defences off: HttpOnly cookie with SameSite=Lax')).toMatch(/^Yes: GET \/api\/private \(a top-level navigation\) answered 200 with the cookie jwtlab_lab_access\./);
    await page.getByRole('region', { name: 'Side by side' }).screenshot({ path: path.join(SCREENSHOTS, 'side-by-side-defences-off.png') });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
