import { expect, privateData, sessionRegion, test, tokenInspector } from '../../support/fixtures.js';
import { SHORT_ACCESS_TOKEN_TTL } from '../../support/instances.js';

// Against the instance whose access tokens live SHORT_ACCESS_TOKEN_TTL seconds: real time, real expiry.

test('with silent refresh off, the countdown reaches zero and the API answers token_expired', async ({ signedInPage: page, consoleErrors }) => {
  consoleErrors.allowFailedRequest(401, '/api/private'); // the expired token is sent on purpose
  await sessionRegion(page).getByLabel('Refresh silently shortly before the access token expires').uncheck();
  const inspector = tokenInspector(page);
  await expect(inspector).toContainText('Silent refresh is off');
  await expect(inspector).toContainText(/Access token expires in \d+ s/);

  await expect(inspector.getByText('Expired', { exact: true })).toBeVisible({ timeout: (SHORT_ACCESS_TOKEN_TTL + 3) * 1000 });
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('alert')).toContainText('token_expired');

  await sessionRegion(page).getByRole('button', { name: 'Refresh token' }).click();
  await expect(inspector).toContainText(/Access token expires in \d+ s/);
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText('200');
});

test('silent refresh keeps both open tabs logged in past expiry, and refreshes once for the two', async ({ page: first, signIn, account }) => {
  const refreshes: number[] = [];
  first.context().on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes.push(Date.now());
  });
  const loggedInAt = Date.now();
  await signIn(first);
  const second = await first.context().newPage();
  await second.goto('/');
  await expect(sessionRegion(second)).toContainText(`Logged in as ${account.username}`);

  // Past the first token's expiry (exp is whole seconds, hence the extra second and a half).
  await expect.poll(() => refreshes.length, { timeout: SHORT_ACCESS_TOKEN_TTL * 1000 }).toBeGreaterThan(0);
  await first.waitForTimeout(Math.max(0, loggedInAt + (SHORT_ACCESS_TOKEN_TTL + 1.5) * 1000 - Date.now()));

  // One refresh for the whole first round, though both tabs had it planned.
  expect(refreshes.filter((at) => at - refreshes[0]! < 3_000)).toHaveLength(1);
  for (const tab of [first, second]) {
    await expect(sessionRegion(tab)).toContainText(`Logged in as ${account.username}`);
    await privateData(tab).getByRole('button', { name: 'Load private data' }).click();
    await expect(privateData(tab).getByRole('status')).toContainText(`Hello, ${account.username}`);
  }
});
