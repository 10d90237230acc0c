import { expect, privateData, sessionRegion, test } from '../../support/fixtures.js';

test('a logout in one tab logs out the other tab', async ({ signedInPage: first, account }) => {
  const second = await first.context().newPage();
  await second.goto('/');
  await expect(sessionRegion(second)).toContainText(`Logged in as ${account.username}`);

  await sessionRegion(first).getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(sessionRegion(first).getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(sessionRegion(second).getByRole('status')).toHaveText('You were logged out in another tab.');
  await expect(sessionRegion(second).getByRole('button', { name: 'Log in' })).toBeVisible();
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
