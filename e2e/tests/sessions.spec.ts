import { expect, privateData, sessionRegion, test, type StorageMode } from '../support/fixtures.js';
import type { Page } from '@playwright/test';

const sessionsRegion = (page: Page) => page.getByRole('region', { name: 'Sessions' });
/** The table's rows below its header. */
const sessionRows = (page: Page) => sessionsRegion(page).getByRole('row').filter({ has: page.getByRole('rowheader') });

/** What the Sessions region says of a session of each strategy (the server knows its mode). */
const MODE_CELL: Record<StorageMode, string> = {
  localStorage: 'Authorization header (localStorage or sessionStorage)',
  sessionStorage: 'Authorization header (localStorage or sessionStorage)',
  memory: 'Memory + refresh cookie',
  cookie: 'HttpOnly cookie',
  dpop: 'DPoP',
};

// Two browser contexts are two browsers as far as the app can tell: two sessions of one user.
for (const mode of ['localStorage', 'sessionStorage', 'memory', 'cookie', 'dpop'] as const) {
  test.describe(`${mode} mode`, () => {
    test.use({ storageMode: mode });

    test('lists both sessions, the current one marked; Revoke logs the other browser out and keeps this one', async ({
      signedInPage: here,
      account,
      signIn,
      openContext,
      consoleErrors,
    }) => {
      // The revoked browser learns of it from its next request: a 401 provoked on purpose.
      consoleErrors.allowFailedRequest(401, '/api/private');
      const elsewhere = await (await openContext()).newPage();
      await signIn(elsewhere, account);

      await sessionsRegion(here).getByRole('button', { name: 'Reload sessions' }).click();
      await expect(sessionRows(here)).toHaveCount(2);
      const current = sessionRows(here).and(here.locator('[aria-current="true"]'));
      await expect(current.getByRole('rowheader')).toContainText('(this session)');
      await expect(current.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
      const other = sessionRows(here).and(here.locator(':not([aria-current])'));
      await expect(other.getByRole('cell').first()).toHaveText(MODE_CELL[mode]);

      await other.getByRole('button', { name: 'Revoke' }).click();
      await expect(sessionsRegion(here).getByRole('status')).toContainText('is revoked: its tokens are refused from its next request on.');
      await expect(sessionRows(here)).toHaveCount(1);

      await privateData(elsewhere).getByRole('button', { name: 'Load private data' }).click();
      await expect(privateData(elsewhere).getByRole('alert')).toContainText('token_revoked');
      await expect(sessionRegion(elsewhere).getByRole('button', { name: 'Log in' })).toBeVisible();

      await privateData(here).getByRole('button', { name: 'Load private data' }).click();
      await expect(privateData(here).getByRole('status')).toContainText(`Hello, ${account.username}`);
    });

    test('Log out other sessions ends every other session, not this one', async ({ signedInPage: here, account, signIn, openContext, consoleErrors }) => {
      consoleErrors.allowFailedRequest(401, '/api/private');
      const others = await Promise.all([openContext(), openContext()].map(async (opening) => (await opening).newPage()));
      for (const page of others) await signIn(page, account);

      await sessionsRegion(here).getByRole('button', { name: 'Reload sessions' }).click();
      await expect(sessionRows(here)).toHaveCount(3);
      await sessionsRegion(here).getByRole('button', { name: 'Log out other sessions' }).click();
      await expect(sessionsRegion(here).getByRole('status')).toHaveText('Logged out 2 other sessions. This one stays logged in.');
      await expect(sessionRows(here)).toHaveCount(1);

      for (const page of others) {
        await privateData(page).getByRole('button', { name: 'Load private data' }).click();
        await expect(privateData(page).getByRole('alert')).toContainText('token_revoked');
      }
      await privateData(here).getByRole('button', { name: 'Load private data' }).click();
      await expect(privateData(here).getByRole('status')).toContainText(`Hello, ${account.username}`);
    });
  });
}
