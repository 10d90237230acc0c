import { runCrossSiteRequest } from '../../support/cross-site.js';
import { APP_PORT } from '../../support/instances.js';
import { attackLab, expect, privateData, readStorage, sessionRegion, STORAGE_KEYS, test } from '../../support/fixtures.js';

/** The app under test by its IP rather than by name (the suite opens it at localhost elsewhere). */
const APP_AT_LOOPBACK_IP = `http://127.0.0.1:${APP_PORT}`;

test('localStorage: the XSS payload steals both tokens (and refreshes for fresh ones), and the attacker replays them until logout', async ({ signedInPage: page, attacker, account }) => {
  const lab = attackLab(page);
  const accessToken = await readStorage(page, STORAGE_KEYS.accessToken);
  const refreshToken = await readStorage(page, STORAGE_KEYS.refreshToken);

  await lab.getByRole('button', { name: 'Run XSS payload' }).click();
  // The two stored tokens, and the two its refresh through the page's own refresh token returned.
  await expect(lab.getByRole('status').filter({ hasText: 'Stolen' })).toHaveText("Stolen: 4 tokens. The attacker's replay worked.");

  // What the collector holds, asked directly: both tokens left the page, and no cookie (there is none).
  const stolen = (await attacker.loot()).find((loot) => (loot.data.localStorage as Record<string, string> | undefined)?.[STORAGE_KEYS.accessToken] === accessToken);
  expect(stolen, 'the access token is in the collector').toBeDefined();
  expect(stolen!.from).toBe(new URL(page.url()).origin);
  expect((stolen!.data.localStorage as Record<string, string>)[STORAGE_KEYS.refreshToken]).toBe(refreshToken);
  expect(stolen!.data['document.cookie']).toBe('');

  // The page shows exactly that, and the replay the attacker made from its own server.
  await expect(lab.getByRole('row', { name: /jwtlab\.accessToken/ })).toContainText(accessToken!);
  await expect(lab.getByText(/The app answered: 200/).first()).toContainText(`Hello, ${account.username}`);
  const replay = await attacker.replay(stolen!.id);
  expect(replay.attempts.length).toBeGreaterThan(0);
  for (const attempt of replay.attempts) expect(attempt).toEqual(expect.objectContaining({ credential: 'bearer', status: 200, answer: expect.objectContaining({ via: 'header' }) }));
  // The script put the fresh tokens back where it found the old ones: the page still works, none the wiser.
  await expect(sessionRegion(page)).toContainText(`Logged in as ${account.username}`);

  // Until logout: then the same stolen token is refused, from the attacker's side too.
  await sessionRegion(page).getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(sessionRegion(page).getByRole('button', { name: 'Log in' })).toBeVisible();
  await lab.getByRole('button', { name: 'Replay the stolen token again' }).click();
  await expect(lab.getByText(/The app answered: 401/).first()).toContainText('token_revoked');
  for (const attempt of (await attacker.replay(stolen!.id)).attempts) {
    expect(attempt).toEqual(expect.objectContaining({ credential: 'bearer', status: 401, answer: expect.objectContaining({ error: 'token_revoked' }) }));
  }
});

test('localStorage: a forged cross-site request carries no credential at all', async ({ signedInPage: page, account }) => {
  const { attackerOrigin, requests } = await runCrossSiteRequest(page);
  expect(new URL(attackerOrigin).hostname).toBe('127.0.0.1'); // another site than localhost, not only another port

  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) {
    expect(request.carried).toEqual({ accessCookie: false, refreshCookie: false, authorization: false, csrfToken: false, credentialCookies: [] });
    expect(request.refusedBy).not.toBeNull();
  }
  await expect(attackLab(page)).toContainText(`None of the ${requests.length} forged requests carried a credential`);

  // The forged logout-all changed nothing.
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${account.username}`);
});

test.describe('opened at 127.0.0.1', () => {
  test.use({ baseURL: APP_AT_LOOPBACK_IP });

  test("the attacker's site is localhost instead: still another site", async ({ signedInPage: page, attacker }) => {
    const lab = attackLab(page);
    await lab.getByRole('button', { name: 'Run XSS payload' }).click();
    await expect(lab.getByRole('status').filter({ hasText: 'Stolen' })).toHaveText("Stolen: 4 tokens. The attacker's replay worked.");
    const port = new URL(attacker.origin).port;
    await expect(lab).toContainText(`http://localhost:${port}/collect`);
    const latest = (await attacker.loot()).find((loot) => loot.kind === 'storage');
    expect(latest!.from).toBe(APP_AT_LOOPBACK_IP);

    const { attackerOrigin, requests } = await runCrossSiteRequest(page);
    expect(attackerOrigin).toBe(`http://localhost:${port}`);
    expect(requests.filter((request) => request.origin !== null).every((request) => request.origin === attackerOrigin)).toBe(true);
  });
});
