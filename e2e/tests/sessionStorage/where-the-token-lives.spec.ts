import { expect, JWT, logInThroughTheForm, STORAGE_KEYS, test, tokenInspector } from '../../support/fixtures.js';

test("sessionStorage: the tokens sit in this tab's sessionStorage only, travel as Bearer, and another tab does not see them", async ({ page, account }) => {
  await page.goto('/');
  await logInThroughTheForm(page, 'sessionStorage', account);
  const visible = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
  expect(visible.session[STORAGE_KEYS.accessToken]).toMatch(JWT);
  expect(visible.session[STORAGE_KEYS.refreshToken]).toMatch(JWT);
  expect(JSON.stringify(visible.local)).not.toMatch(JWT);
  expect(visible.cookie).toBe('');
  await expect(tokenInspector(page)).toContainText(`sessionStorage["${STORAGE_KEYS.accessToken}"]`);

  const sent = page.waitForRequest((request) => request.url().endsWith('/api/private'));
  await page.getByRole('button', { name: 'Load private data' }).click();
  expect(await (await sent).headerValue('authorization')).toBe(`Bearer ${visible.session[STORAGE_KEYS.accessToken]}`);

  // A tab the visitor opens has a sessionStorage of its own.
  const other = await page.context().newPage();
  await other.goto('/');
  expect(await other.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEYS.accessToken)).toBeNull();
});
