import { expect, JWT, MODE_RADIO, sessionRegion, STORAGE_KEYS, test, tokenInspector } from '../../support/fixtures.js';

test('cookie mode: no token in localStorage or document.cookie; HttpOnly, Secure, SameSite=Strict cookies on narrow paths', async ({ page, account }) => {
  // Logged in through the form: the browser itself receives and stores the cookies.
  const session = sessionRegion(page);
  await page.goto('/');
  await session.getByRole('radio', { name: MODE_RADIO.cookie }).check();
  await session.getByLabel('Username', { exact: true }).fill(account.username);
  await session.getByLabel('Password', { exact: true }).fill(account.password);
  await session.getByRole('button', { name: 'Log in' }).click();
  await expect(session).toContainText(`Logged in as ${account.username}`);

  const visible = await page.evaluate(() => ({
    storage: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
    cookie: document.cookie,
  }));
  expect(visible.cookie).toBe('');
  expect(JSON.stringify(visible)).not.toMatch(JWT);
  expect(visible.storage).not.toHaveProperty(STORAGE_KEYS.accessToken);
  expect(visible.storage).not.toHaveProperty(STORAGE_KEYS.refreshToken);
  await expect(tokenInspector(page)).toContainText('Page scripts cannot read this token');

  const cookies = await page.context().cookies();
  // The login also set the device cookie of issue 13 (lets this browser past a stranger's lock): not a credential, HttpOnly too.
  const device = cookies.filter((cookie) => cookie.name.startsWith('jwtlab_device_'));
  for (const cookie of device) expect(cookie).toMatchObject({ httpOnly: true, path: '/api/auth/login' });
  const byName = Object.fromEntries(cookies.filter((cookie) => !device.includes(cookie)).map((cookie) => [cookie.name, cookie]));
  expect(Object.keys(byName).sort()).toEqual(['jwtlab_access', 'jwtlab_refresh']);
  expect(byName.jwtlab_access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api', domain: 'localhost' });
  expect(byName.jwtlab_refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth/refresh', domain: 'localhost' });
  expect(byName.jwtlab_access!.value).toMatch(JWT);

  // The browser sends the access cookie to the API by itself; no Authorization header.
  const sent = page.waitForRequest((request) => request.url().endsWith('/api/private'));
  await page.getByRole('button', { name: 'Load private data' }).click();
  const request = await sent;
  expect(await request.headerValue('cookie')).toContain('jwtlab_access=');
  expect(await request.headerValue('cookie')).not.toContain('jwtlab_refresh=');
  expect(await request.headerValue('authorization')).toBeNull();
});
