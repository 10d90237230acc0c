import { MemoryModeLogin } from '@jwt-lab/shared';
import { readJson } from '../../support/read-json.js';
import { expect, JWT, logInThroughTheForm, privateData, test, tokenInspector } from '../../support/fixtures.js';

test('memory: no storage holds the access token, the refresh token is an HttpOnly cookie, and a reload gets a new token from the refresh route', async ({ page, account }) => {
  await page.goto('/');
  const login = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/login');
  await logInThroughTheForm(page, 'memory', account);
  const { accessToken } = await readJson(await login, MemoryModeLogin);
  expect(accessToken).toMatch(JWT);

  const visible = await page.evaluate(() => ({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
  expect(JSON.stringify(visible)).not.toMatch(JWT);
  // The readable CSRF cookie is all a script sees; the refresh cookie is HttpOnly and goes to the refresh route only.
  expect(visible.cookie).toMatch(/^jwtlab_memory_csrf=[^;]+$/);
  const cookies = Object.fromEntries((await page.context().cookies()).map((cookie) => [cookie.name, cookie]));
  expect(cookies.jwtlab_memory_refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth/refresh' });
  expect(cookies.jwtlab_memory_csrf).toMatchObject({ httpOnly: false, sameSite: 'Strict', path: '/' });
  await expect(tokenInspector(page)).toContainText('a JavaScript variable of this page');

  const sent = page.waitForRequest((request) => request.url().endsWith('/api/private'));
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  expect(await (await sent).headerValue('authorization')).toBe(`Bearer ${accessToken}`);

  // The reload loses the variable; the page asks the refresh route, proving it is its own with the CSRF cookie.
  const refresh = page.waitForRequest((request) => new URL(request.url()).pathname === '/api/auth/refresh');
  await page.reload();
  const refreshRequest = await refresh;
  expect(await refreshRequest.headerValue('x-csrf-token')).toBe(cookies.jwtlab_memory_csrf!.value);
  expect(await refreshRequest.headerValue('cookie')).toContain('jwtlab_memory_refresh=');
  await expect(page.getByRole('region', { name: 'Your session' })).toContainText(`Logged in as ${account.username}`);
  const again = page.waitForRequest((request) => request.url().endsWith('/api/private'));
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  const newToken = (await (await again).headerValue('authorization'))!.replace('Bearer ', '');
  expect(newToken).toMatch(JWT);
  expect(newToken).not.toBe(accessToken);
});
