import { expect, MODE_RADIO, privateData, sessionRegion, test, VIA } from '../../support/fixtures.js';

// The whole flow through the form, in each storage mode: the form is the subject here.

test('register, log in, load private data, reload, log out, and the private data is refused', async ({ page, storageMode, consoleErrors }) => {
  consoleErrors.allowFailedRequest(401, '/api/private'); // the last step asks for private data logged out, on purpose
  const username = `form_${storageMode}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const password = 'correct horse battery';
  const session = sessionRegion(page);

  await page.goto('/');
  await session.getByRole('radio', { name: MODE_RADIO[storageMode] }).check();
  await session.getByLabel('Username', { exact: true }).fill(username);
  await session.getByLabel('Password', { exact: true }).fill(password);
  await session.getByRole('button', { name: 'Register' }).click();
  await expect(session.getByRole('status')).toContainText(`Account “${username}” created`);

  await session.getByRole('button', { name: 'Log in' }).click();
  await expect(session).toContainText(`Logged in as ${username}`);

  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`via: "${VIA[storageMode]}"`);
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${username}`);

  await page.reload();
  await expect(session).toContainText(`Logged in as ${username}`);
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${username}`);

  await session.getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(session.getByRole('status')).toContainText('You are logged out');
  await expect(session.getByRole('button', { name: 'Log in' })).toBeVisible();

  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('alert')).toContainText('401');
  await expect(privateData(page).getByRole('alert')).toContainText('missing_token');
});
