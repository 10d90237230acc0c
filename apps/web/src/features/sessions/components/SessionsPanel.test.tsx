import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../../app/App';
import { createFakeApi, type FakeApi } from '../../../test/fake-api';
import { createFakeBrowser, openTab } from '../../../test/tabs';

function renderPage(api: FakeApi) {
  const tab = openTab(api, createFakeBrowser().join());
  void tab.controller.start();
  render(<App controller={tab.controller} requestLog={tab.requestLog} api={tab.api} sessions={tab.sessions} />);
  return { ...tab, user: userEvent.setup() };
}

/** The page, where alice (whom `api` knows) has logged in through the form, in `mode`. */
async function renderLoggedIn(api: FakeApi, mode: 'localStorage' | 'HttpOnly cookie' = 'localStorage') {
  const page = renderPage(api);
  // Each option's name begins with its storage.
  await page.user.click(screen.getByRole('radio', { name: new RegExp(`^${mode}`) }));
  await page.user.type(screen.getByLabelText('Username'), 'alice');
  await page.user.type(screen.getByLabelText('Password'), 'password1');
  await page.user.click(screen.getByRole('button', { name: 'Log in' }));
  await screen.findByRole('button', { name: 'Log out' });
  return page;
}

const region = () => screen.getByRole('region', { name: 'Sessions' });
/** The table's rows below the header, as [row header, has a Revoke button]. */
const rows = () =>
  within(region())
    .getAllByRole('row')
    .slice(1)
    .map((row) => [within(row).getByRole('rowheader').textContent, within(row).queryByRole('button', { name: 'Revoke' }) !== null]);

describe('Sessions region', () => {
  it('asks nothing while logged out', () => {
    const api = createFakeApi();
    renderPage(api);
    expect(within(region()).getByText('Log in to see your sessions.').textContent).toBe('Log in to see your sessions.');
    expect(within(region()).queryByRole('table')).toBeNull();
    expect(api.countRequests('GET', '/api/auth/sessions')).toBe(0);
  });

  it('lists the sessions after login, newest first, the current one marked and without a Revoke button', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const elsewhere = api.addSessionElsewhere('alice');
    await renderLoggedIn(api);

    await within(region()).findByRole('table');
    const current = within(region()).getAllByRole('row').find((row) => row.getAttribute('aria-current') === 'true')!;
    expect(within(current).getByRole('rowheader').textContent).toMatch(/\(this session\)$/);
    expect(rows()).toEqual([
      [expect.stringMatching(/\(this session\)$/), false],
      [`Fake browser ${elsewhere.id}`, true],
    ]);
    expect(within(region()).getByRole('button', { name: 'Revoke' }).getAttribute('aria-describedby')).toBe(`session-${elsewhere.id}-device`);
  });

  it('Revoke ends that session on the server and leaves this one logged in', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const elsewhere = api.addSessionElsewhere('alice');
    const { user } = await renderLoggedIn(api);

    await user.click(await within(region()).findByRole('button', { name: 'Revoke' }));

    expect((await within(region()).findByRole('status')).textContent).toBe(
      `The session on Fake browser ${elsewhere.id} is revoked: its tokens are refused from its next request on.`,
    );
    expect(elsewhere.isRevoked()).toBe(true);
    expect(rows()).toEqual([[expect.stringMatching(/\(this session\)$/), false]]);
    expect(screen.getByRole('button', { name: 'Log out' })).toHaveProperty('disabled', false);
    expect(within(region()).getByRole('button', { name: 'Log out other sessions' })).toHaveProperty('disabled', true);
  });

  it('cookie mode: the revocation carries the CSRF token', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const elsewhere = api.addSessionElsewhere('alice', 'cookie');
    const { user } = await renderLoggedIn(api, 'HttpOnly cookie');

    await user.click(await within(region()).findByRole('button', { name: 'Revoke' }));

    await within(region()).findByRole('status');
    expect(elsewhere.isRevoked()).toBe(true);
    const revocation = api.requests.find((request) => request.method === 'DELETE')!;
    expect(revocation.path).toBe(`/api/auth/sessions/${elsewhere.id}`);
    expect(revocation.headers.get('x-csrf-token')).toMatch(/^csrf-/);
    expect(revocation.headers.get('authorization')).toBeNull();
  });

  it('Log out other sessions revokes every other session and says how many', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const others = [api.addSessionElsewhere('alice'), api.addSessionElsewhere('alice', 'cookie')];
    const { user } = await renderLoggedIn(api);
    await within(region()).findByRole('table');
    expect(rows()).toHaveLength(3);

    await user.click(within(region()).getByRole('button', { name: 'Log out other sessions' }));

    expect((await within(region()).findByRole('status')).textContent).toBe('Logged out 2 other sessions. This one stays logged in.');
    expect(others.map((session) => session.isRevoked())).toEqual([true, true]);
    expect(rows()).toEqual([[expect.stringMatching(/\(this session\)$/), false]]);
  });

  it('logs this page out when the server says its own session has ended', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { user } = await renderLoggedIn(api);
    await within(region()).findByRole('table');
    api.revokeSessionsOf('alice'); // from another browser, as its Revoke button or Log out everywhere would

    await user.click(within(region()).getByRole('button', { name: 'Reload sessions' }));

    await screen.findByLabelText('Username');
    expect(screen.getByText(/^This session was ended on the server \(token_revoked\)/).textContent).toBe(
      'This session was ended on the server (token_revoked), so you are logged out here too.',
    );
    expect(within(region()).queryByRole('table')).toBeNull();
  });

  it('forgets the list at logout', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { user } = await renderLoggedIn(api);
    await within(region()).findByRole('table');

    await user.click(screen.getByRole('button', { name: 'Log out' }));

    await waitFor(() => expect(within(region()).queryByRole('table')).toBeNull());
    expect(within(region()).getByText('Log in to see your sessions.').textContent).toBe('Log in to see your sessions.');
  });
});
