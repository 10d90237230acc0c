import { expect, LIFETIME, privateData, sessionRegion, test } from '../../support/fixtures.js';

test('a second tab shares the session or not as the strategy says, and a logout in one tab logs out the others that share it', async ({ signedInPage: first, account, storageMode }) => {
  const second = await first.context().newPage();
  await second.goto('/');
  const { newTabShares } = LIFETIME[storageMode];
  if (!newTabShares) {
    // sessionStorage belongs to its tab: the new one starts logged out, and a logout here cannot reach it.
    await expect(sessionRegion(second).getByRole('button', { name: 'Log in' })).toBeVisible();
    await sessionRegion(first).getByRole('button', { name: 'Log out', exact: true }).click();
    await expect(sessionRegion(first).getByRole('button', { name: 'Log in' })).toBeVisible();
    return;
  }
  await expect(sessionRegion(second)).toContainText(`Logged in as ${account.username}`);
  await privateData(second).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(second).getByRole('status')).toContainText(`Hello, ${account.username}`);

  await sessionRegion(first).getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(sessionRegion(first).getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(sessionRegion(second).getByRole('status')).toHaveText('You were logged out in another tab.');
  await expect(sessionRegion(second).getByRole('button', { name: 'Log in' })).toBeVisible();
});

test('a reload keeps the session', async ({ signedInPage: page, account, storageMode }) => {
  expect(LIFETIME[storageMode].survivesReload).toBe(true);
  await page.reload();
  await expect(sessionRegion(page)).toContainText(`Logged in as ${account.username}`);
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${account.username}`);
});

test('Log out everywhere in one browser ends the session in another browser', async ({ signedInPage: here, account, signIn, openContext, consoleErrors }) => {
  // The other browser learns of it from its next request: a 401 it provokes on purpose.
  consoleErrors.allowFailedRequest(401, '/api/private');
  const elsewhere = await (await openContext()).newPage();
  await signIn(elsewhere, account);
  await privateData(elsewhere).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(elsewhere).getByRole('status')).toContainText(`Hello, ${account.username}`);

  await sessionRegion(here).getByRole('button', { name: 'Log out everywhere' }).click();
  await expect(sessionRegion(here).getByRole('status')).toContainText('You are logged out everywhere');

  await privateData(elsewhere).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(elsewhere).getByRole('alert')).toContainText('token_revoked');
  await expect(sessionRegion(elsewhere).getByRole('alert')).toContainText('Your session was ended on the server');
  await expect(sessionRegion(elsewhere).getByRole('button', { name: 'Log in' })).toBeVisible();
});
