import { expect, JWT, jwtPart, readStorage, STORAGE_KEYS, test, tokenInspector } from '../../support/fixtures.js';

test('localStorage: the tokens sit in localStorage, readable by any script, and travel in the Authorization header', async ({ signedInPage: page }) => {
  const accessToken = await readStorage(page, STORAGE_KEYS.accessToken);
  const refreshToken = await readStorage(page, STORAGE_KEYS.refreshToken);
  expect(accessToken).toMatch(JWT);
  expect(refreshToken).toMatch(JWT);
  const header = jwtPart(accessToken!, 0);
  expect(header.typ).toBe('at+jwt');

  // The inspector shows the same token, decoded.
  const [encodedHeader, payload, signature] = accessToken!.split('.');
  await expect(tokenInspector(page)).toContainText(`localStorage["${STORAGE_KEYS.accessToken}"]`);
  await expect(tokenInspector(page).getByText(payload!)).toBeVisible();
  await expect(tokenInspector(page).getByText(encodedHeader!, { exact: true })).toBeVisible();
  await expect(tokenInspector(page).getByText(signature!)).toBeVisible();

  const sent = page.waitForRequest((request) => request.url().endsWith('/api/private'));
  await page.getByRole('button', { name: 'Load private data' }).click();
  const request = await sent;
  expect(await request.headerValue('authorization')).toBe(`Bearer ${accessToken}`);
  expect(await request.headerValue('cookie')).toBeNull();
  const log = page.getByRole('region', { name: 'Request log' });
  await expect(log.getByRole('row').filter({ hasText: 'GET /api/private' }).first()).toContainText('Authorization header');
});
