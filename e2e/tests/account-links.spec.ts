import { expect, test, type Page } from '@playwright/test';

/** A fresh account per test, so that tests share no state and no rate limit. */
function newAccount(prefix: string) {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { username: `${prefix}_${id}`, password: `old-password-${id}`, email: `${prefix}-${id}@example.com` };
}

/** The newest message to `email` with this subject, as the Outbox region lists it. */
function outboxMessage(page: Page, email: string, subject: string) {
  return page
    .getByRole('region', { name: 'Outbox' })
    .getByRole('listitem')
    .filter({ hasText: `To ${email}` })
    .filter({ hasText: subject })
    .first();
}

/**
 * Waits for the reset-password landing that a link opened in `page`, checks that the link's token
 * has already left the address, and sets `password` there; returns the landing, to read its answer.
 */
async function setNewPasswordOnLanding(page: Page, password: string) {
  const landing = page.getByRole('region', { name: 'Reset your password' });
  await expect(landing).toBeVisible();
  expect(page.url()).not.toContain('token');
  await landing.getByLabel('New password').fill(password);
  await landing.getByRole('button', { name: 'Set new password' }).click();
  return landing;
}

async function logIn(page: Page, username: string, password: string) {
  const session = page.getByRole('region', { name: 'Your session' });
  await session.getByLabel('Username', { exact: true }).fill(username);
  await session.getByLabel('Password', { exact: true }).fill(password);
  await session.getByRole('button', { name: 'Log in' }).click();
}

test('a forgotten password is reset from the page, through a link that works once and leaves no trace in the address', async ({ page, request, context }) => {
  const account = newAccount('reset');
  const registered = await request.post('/api/auth/register', { data: account });
  expect(registered.status()).toBe(201);

  await page.goto('/');
  const emailLinks = page.getByRole('region', { name: 'Email links' });
  await emailLinks.getByLabel('Email', { exact: true }).fill(account.email);
  await emailLinks.getByRole('button', { name: 'Send reset link' }).click();
  await expect(emailLinks.getByRole('status')).toContainText('a message is on its way');

  const message = outboxMessage(page, account.email, 'Reset your JWT Lab password');
  const link = await message.getByRole('link').getAttribute('href');
  expect(link).toMatch(/\/#reset-password\?token=ey/);
  await message.getByRole('link').click();

  const landing = await setNewPasswordOnLanding(page, 'brand-new-password');
  await expect(landing.getByRole('status')).toContainText('Your password is changed');

  // Neither entry of this tab's history holds the token: the one before the link, and the link's own.
  const entries = await page.evaluate(() => history.length);
  await page.goBack();
  expect(page.url()).not.toContain('token');
  await page.goForward();
  expect(page.url()).not.toContain('token');
  expect(await page.evaluate(() => history.length)).toBe(entries);

  await logIn(page, account.username, account.password);
  await expect(page.getByRole('region', { name: 'Your session' }).getByRole('alert')).toContainText('invalid_credentials');
  await logIn(page, account.username, 'brand-new-password');
  await expect(page.getByRole('button', { name: 'Log out', exact: true })).toBeVisible();

  // The same link again, opened in a new tab: the page strips it on load, and the server refuses it.
  const second = await context.newPage();
  const sentWithToken: string[] = [];
  const token = new URL(link!).hash.split('token=')[1]!;
  second.on('request', (sent) => {
    if (`${sent.url()} ${sent.headers().referer ?? ''}`.includes(token)) sentWithToken.push(sent.url());
  });
  await second.goto(link!);
  const again = await setNewPasswordOnLanding(second, 'another-new-password');
  await expect(again.getByRole('alert')).toContainText('This link was already used');
  expect(sentWithToken).toEqual([]);
  await second.close();
});

test('an email address given at registration is confirmed from the Outbox, once', async ({ page }) => {
  const account = newAccount('verify');
  await page.goto('/');
  const session = page.getByRole('region', { name: 'Your session' });
  await session.getByLabel('Username', { exact: true }).fill(account.username);
  await session.getByLabel('Password', { exact: true }).fill(account.password);
  await session.getByLabel('Email (optional)').fill(account.email);
  await session.getByRole('button', { name: 'Register' }).click();
  await expect(session.getByRole('status')).toContainText(`A message with a link to confirm ${account.email}`);

  const message = outboxMessage(page, account.email, 'Confirm your email address');
  const link = await message.getByRole('link').getAttribute('href');
  await message.getByRole('link').click();

  const landing = page.getByRole('region', { name: 'Confirm your email address' });
  await expect(landing).toBeVisible();
  expect(page.url()).not.toContain('token');
  await landing.getByRole('button', { name: 'Confirm email' }).click();
  await expect(landing.getByRole('status')).toHaveText(`${account.email} is confirmed for ${account.username}.`);

  // Typed into the address bar of the same tab: the browser shows it until the hashchange handler
  // runs (no script can act sooner), then it is gone, and the answer is that of any second use.
  await page.goto(link!);
  await expect(page).not.toHaveURL(/token/);
  await page.getByRole('region', { name: 'Confirm your email address' }).getByRole('button', { name: 'Confirm email' }).click();
  await expect(page.getByRole('region', { name: 'Confirm your email address' }).getByRole('alert')).toContainText('This link was already used');
});
