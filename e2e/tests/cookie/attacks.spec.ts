import { runCrossSiteRequest } from '../../support/cross-site.js';
import { attackLab, expect, JWT, privateData, readCookieSessionCsrfToken, test } from '../../support/fixtures.js';

test('cookie mode: the XSS payload steals no token and the replay fails, but it can ride the session from the page', async ({ signedInPage: page, attacker, account }) => {
  const lab = attackLab(page);
  const record = { csrfToken: await readCookieSessionCsrfToken(page) };

  await lab.getByRole('button', { name: 'Run XSS payload' }).click();
  await expect(lab.getByRole('status').filter({ hasText: 'stolen' })).toHaveText("No token stolen. The attacker's replay was refused.");

  // The collector got this page's storage: the CSRF token record, and no token anywhere.
  const loot = await attacker.loot();
  const stolen = loot.find((item) => item.kind === 'storage' && JSON.stringify(item.data).includes(record.csrfToken));
  expect(stolen, 'the storage loot of this page is in the collector').toBeDefined();
  expect(JSON.stringify(stolen!.data)).not.toMatch(JWT);
  expect(stolen!.data['document.cookie']).toBe('');

  // Replayed from the attacker's server with nothing usable: refused.
  const replay = await attacker.replay(stolen!.id);
  expect(replay.attempts).toEqual([expect.objectContaining({ credential: 'none', status: 401, answer: expect.objectContaining({ error: 'missing_token' }) })]);
  await expect(lab.getByText(/The app answered: 401/).first()).toContainText('missing_token');

  // Session riding: the script asked the API from inside the page, the cookie went along, and the answer went home.
  await expect(lab.getByRole('heading', { name: /session riding/ })).toBeVisible();
  const ride = loot.find((item) => item.kind === 'session-ride' && item.id > stolen!.id);
  expect(ride, 'the session-ride answer is in the collector').toBeDefined();
  expect(ride!.data).toMatchObject({ status: 200, answer: { via: 'cookie', user: { username: account.username } } });
});

test('cookie mode: SameSite, the CSRF token, the Origin check and JSON-only bodies each block a forged request', async ({ signedInPage: page, account }) => {
  const { attackerOrigin, requests } = await runCrossSiteRequest(page);
  expect(new URL(attackerOrigin).hostname).toBe('127.0.0.1');

  expect(requests.map((request) => `${request.method} ${request.path} → ${request.refusedBy}`).sort()).toEqual([
    'GET /api/private → no-credential', // an image: SameSite kept the cookie off
    'OPTIONS /api/auth/logout-all → cors-preflight', // the JSON fetch: no permission, never sent
    'POST /api/auth/logout → json-only', // the no-cors fetch: a text body
    'POST /api/auth/logout → no-credential', // a bodiless no-cors fetch: past the JSON rule, but no cookie came
    'POST /api/auth/logout-all → json-only', // the form
    'POST /api/auth/refresh → no-credential', // the same at the refresh route
  ]);
  for (const request of requests) {
    // SameSite=Strict: the browser sent no cookie with any of them.
    expect(request.carried.accessCookie || request.carried.refreshCookie).toBe(false);
    // CSRF token: none could send the session's token (the JSON fetch's guess never left the browser).
    expect(request.carried.csrfToken).toBe(false);
    // Origin check: whatever names its origin names the attacker's site.
    if (request.origin !== null) expect(request.origin).toBe(attackerOrigin);
  }
  expect(requests.filter((request) => request.method === 'POST').every((request) => request.origin === attackerOrigin)).toBe(true);

  const lab = attackLab(page);
  await expect(lab.getByRole('row', { name: /OPTIONS \/api\/auth\/logout-all/ })).toContainText('CORS');
  await expect(lab.getByRole('row', { name: /GET \/api\/private/ })).toContainText('SameSite: no cookie came (401)');
  await expect(lab.getByRole('listitem').filter({ hasText: 'SameSite=Strict:' })).toContainText(`none of the ${requests.length} requests carried your cookie`);

  // Still logged in: the forged logout-all did nothing.
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${account.username}`);
});
