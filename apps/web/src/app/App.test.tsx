import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEB_STORAGE_KEYS as STORAGE_KEYS } from '../features/auth/strategies/web-storage-strategy';
import { createFakeApi, type FakeApi } from '../test/fake-api';
import { createFakeBrowser, openTab } from '../test/tabs';
import { App } from './App';

// The page loads these lazily; loading them once here keeps the first test's clock for the test itself.
beforeAll(() => Promise.all([import('../features/auth/credential-rules'), import('../lib/response-schemas')]), 20_000);

function renderPage(api: FakeApi) {
  const tab = openTab(api, createFakeBrowser().join());
  void tab.controller.start();
  render(<App controller={tab.controller} requestLog={tab.requestLog} api={tab.api} sessions={tab.sessions} />);
  return { ...tab, user: userEvent.setup() };
}

type User = ReturnType<typeof userEvent.setup>;

async function fillIn(user: User, username: string, password: string) {
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
}

async function logIn(user: User) {
  await fillIn(user, 'alice', 'password1');
  await user.click(screen.getByRole('button', { name: 'Log in' }));
  await screen.findByRole('button', { name: 'Log out' });
}

/** The request log's rows as [request, status, credential, X-CSRF-Token], newest first. */
function loggedRequests() {
  const log = screen.getByRole('region', { name: 'Request log' });
  return within(log)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('cell').slice(1).map((cell) => cell.textContent));
}

describe('login and register forms', () => {
  it('explains what is wrong with the fields and sends nothing', async () => {
    const api = createFakeApi();
    const { user } = renderPage(api);

    await fillIn(user, 'al', 'short');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    // Each problem is the field's own description, so a screen reader reads it with the field.
    expect((await screen.findByText('Use 3 to 64 characters.')).id).toBe('username-problem');
    expect(screen.getByText('Use at least 8 characters.').id).toBe('password-problem');
    expect(screen.getByLabelText('Password').getAttribute('aria-describedby')).toContain('password-problem');
    expect(screen.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Username').getAttribute('aria-describedby')).toContain('username-problem');
    expect(document.activeElement).toBe(screen.getByLabelText('Username'));

    await user.clear(screen.getByLabelText('Username'));
    await user.type(screen.getByLabelText('Username'), 'bad name!');
    await user.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByText('Use only letters, digits, and the characters _ . -')).id).toBe('username-problem');
    expect(api.requests.filter((request) => request.path !== '/api/outbox')).toEqual([]); // the Outbox reads the mailbox, not the form
  });

  it('registers, then shows the error code when the name is taken', async () => {
    const api = createFakeApi();
    const { user } = renderPage(api);
    await fillIn(user, 'alice', 'password1');

    await user.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/Account “alice” created\. Now press Log in/);

    await user.click(screen.getByRole('button', { name: 'Register' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('username_taken');
    expect(alert.textContent).toContain('That username is already taken.');
  });

  it('shows the error code of a refused login and stays on the form', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { user } = renderPage(api);
    await fillIn(user, 'alice', 'wrong-password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('invalid_credentials The username or password is wrong.');
    expect(screen.getByLabelText('Username')).toHaveProperty('value', 'alice');
    expect(localStorage.length).toBe(0);
  });

  it('shows a malformed server answer as an error instead of logging in', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const broken: FakeApi = {
      ...api,
      fetch: async (input, init) => {
        const response = await api.fetch(input, init);
        const body = await response.json();
        return new Response(JSON.stringify({ ...body, accessToken: undefined }), { status: response.status });
      },
    };
    const { user } = renderPage(broken);
    await fillIn(user, 'alice', 'password1');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('malformed_response');
    expect(alert.textContent).toContain('must have required properties accessToken');
    expect(screen.queryByRole('button', { name: 'Log out' })).toBeNull();
  });
});

describe('storage mode', () => {
  it('switching while logged in logs out on the server, clears both storages, says so, and the next login uses cookies', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { user } = renderPage(api);
    expect(screen.getByRole('radio', { name: /localStorage/ })).toHaveProperty('checked', true);
    await logIn(user);
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toMatch(/^eyJ/);

    await user.click(screen.getByRole('radio', { name: /^HttpOnly cookie/ }));

    expect((await screen.findByRole('status')).textContent).toMatch(/You switched to cookie mode, so you were logged out of localStorage mode first/);
    expect(within(screen.getByRole('group', { name: 'Storage mode' })).getByRole('radio', { name: /^HttpOnly cookie/ })).toHaveProperty('checked', true);
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toBeNull();
    expect(localStorage.getItem(STORAGE_KEYS.refreshToken)).toBeNull();
    expect(loggedRequests()[0]).toEqual(['POST /api/auth/logout', '204', 'Authorization header', 'not sent']);

    await logIn(user);
    expect(api.requests.filter((request) => request.path === '/api/auth/login').at(-1)?.body).toMatchObject({ mode: 'cookie' });
    expect(api.cookieJar.get('access')).toMatch(/^eyJ/);
    expect(JSON.stringify({ ...localStorage })).not.toContain('eyJ');
  });
});

describe('request log', () => {
  it('records each call newest first with its credential carrier and whether X-CSRF-Token went along', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    const { user } = renderPage(api);
    await logIn(user);
    await user.click(screen.getByRole('button', { name: 'Load private data' }));
    await screen.findByText(/the server read your token from/);
    await user.click(screen.getByRole('button', { name: 'Refresh token' }));
    await user.click(screen.getByRole('radio', { name: /^HttpOnly cookie/ }));
    await logIn(user);
    await user.click(screen.getByRole('button', { name: 'Load private data' }));
    await user.click(screen.getByRole('button', { name: 'Log out' }));
    await screen.findByLabelText('Username');
    await user.click(screen.getByRole('button', { name: 'Load private data' }));
    await screen.findByText('missing_token');

    expect(loggedRequests()).toEqual([
      ['GET /api/private', '401', 'none', 'not sent'],
      ['POST /api/auth/logout', '204', 'cookie', 'sent'],
      ['GET /api/private', '200', 'cookie', 'not sent'],
      ['GET /api/auth/sessions', '200', 'cookie', 'not sent'], // the Sessions region lists them after each login
      ['POST /api/auth/login', '200', 'none', 'not sent'],
      ['POST /api/auth/logout', '204', 'Authorization header', 'not sent'],
      ['POST /api/auth/refresh', '200', 'refresh token in the body', 'not sent'],
      ['GET /api/private', '200', 'Authorization header', 'not sent'],
      ['GET /api/auth/sessions', '200', 'Authorization header', 'not sent'],
      ['POST /api/auth/login', '200', 'none', 'not sent'],
    ]);
  });
});

describe('reload', () => {
  it('shows "Restoring your session…", never the login form, until the stored session is back', async () => {
    const api = createFakeApi();
    api.addUser('alice', 'password1');
    await openTab(api, createFakeBrowser().join()).controller.logIn('alice', 'password1');

    renderPage(api);

    expect(within(screen.getByRole('region', { name: 'Your session' })).getByRole('status').textContent).toBe('Restoring your session…');
    expect(screen.queryByLabelText('Username')).toBeNull();
    expect((await screen.findByText(/Logged in as/)).textContent).toBe('Logged in as alice in localStorage mode.');
  });
});
