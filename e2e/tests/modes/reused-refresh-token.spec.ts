import { ErrorResponse, LoginResponse } from '@jwt-lab/shared';
import { readJson } from '../../support/read-json.js';
import { expect, readCookieSessionCsrfToken, readStorage, sessionRegion, STORAGE_KEYS, test } from '../../support/fixtures.js';

test("a stolen refresh token: spent by a thief first, the page's next refresh ends the session with a clear message (DPoP: the thief cannot spend it)", async ({ signedInPage: page, storageMode, playwright, baseURL, consoleErrors }) => {
  consoleErrors.allowFailedRequest(401, '/api/auth/refresh'); // the page's refresh is refused on purpose
  // A thief holding a copy of the page's current refresh token spends it first, from its own client.
  const thief = await playwright.request.newContext({ baseURL });
  try {
    if (storageMode === 'dpop') {
      // Bound to the page's key, which cannot be exported: without a proof from it the copy is refused...
      const stolen = await thief.post('/api/auth/refresh', { data: { refreshToken: await readStorage(page, STORAGE_KEYS.dpopRefreshToken) } });
      expect(stolen.status(), 'the thief cannot refresh').toBe(401);
      expect(await readJson(stolen, ErrorResponse)).toMatchObject({ error: 'invalid_token' });
      expect(stolen.headers()['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
      // ...and spends nothing: the page's own refresh, with its proof, still works.
      const refreshed = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/refresh');
      await sessionRegion(page).getByRole('button', { name: 'Refresh token' }).click();
      expect((await refreshed).status(), "the page's own refresh").toBe(200);
      await expect(sessionRegion(page).getByRole('button', { name: 'Log out', exact: true })).toBeVisible();
      return;
    }
    const cookie = async (name: string) => (await page.context().cookies()).find((candidate) => candidate.name === name)!.value;
    let stolen;
    if (storageMode === 'localStorage') {
      stolen = await thief.post('/api/auth/refresh', { data: { refreshToken: await readStorage(page, STORAGE_KEYS.refreshToken) } });
    } else if (storageMode === 'sessionStorage') {
      const refreshToken = await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEYS.refreshToken);
      stolen = await thief.post('/api/auth/refresh', { data: { refreshToken } });
    } else if (storageMode === 'memory') {
      const headers = { cookie: `jwtlab_memory_refresh=${await cookie('jwtlab_memory_refresh')}`, 'x-csrf-token': await cookie('jwtlab_memory_csrf') };
      stolen = await thief.post('/api/auth/refresh', { headers, data: {} });
    } else {
      const csrfToken = await readCookieSessionCsrfToken(page);
      stolen = await thief.post('/api/auth/refresh', { headers: { cookie: `jwtlab_refresh=${await cookie('jwtlab_refresh')}`, 'x-csrf-token': csrfToken }, data: {} });
    }
    expect(stolen.status(), 'the thief refreshes first').toBe(200);

    // The page presents the same refresh token again: the server sees a reuse and ends the whole session.
    await sessionRegion(page).getByRole('button', { name: 'Refresh token' }).click();
    const alert = sessionRegion(page).getByRole('alert');
    await expect(alert).toContainText('refresh_token_reused');
    await expect(alert).toContainText('a refresh token of this session was used a second time');
    await expect(sessionRegion(page).getByRole('button', { name: 'Log in' })).toBeVisible();

    // The thief's fresh tokens died with the session.
    const thiefAnswer = await readJson(stolen, LoginResponse);
    const thiefRequest = 'accessToken' in thiefAnswer
      ? await thief.get('/api/private', { headers: { authorization: `Bearer ${thiefAnswer.accessToken}` } })
      : await thief.get('/api/private');
    expect(thiefRequest.status()).toBe(401);
  } finally {
    await thief.dispose();
  }
});
