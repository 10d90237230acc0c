import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { createFakeApi, requestPath, type FakeApi } from '../../test/fake-api';
import { createFakeBrowser, openTab } from '../../test/tabs';

type User = ReturnType<typeof userEvent.setup>;

beforeEach(() => history.replaceState(null, '', '/'));

function renderPage(api: FakeApi) {
  const tab = openTab(api, createFakeBrowser().join());
  void tab.controller.start();
  render(<App controller={tab.controller} requestLog={tab.requestLog} api={tab.api} sessions={tab.sessions} />);
  return { ...tab, user: userEvent.setup() };
}

/** Has the fake server mail a link, as a request from another page would, and returns it. */
async function mailedLink(api: FakeApi, kind: 'password-reset' | 'verify-email', email: string): Promise<string> {
  const before = api.outbox.length;
  await api.fetch(`/api/auth/${kind}/request`, { method: 'POST', body: JSON.stringify({ email }) });
  expect(api.outbox.length).toBe(before + 1);
  return api.outbox[0]!.link;
}

/** Puts a link in the address bar, as opening it from a message does. */
function arriveWith(link: string) {
  history.replaceState(null, '', `/${new URL(link).hash}`);
}

async function setNewPassword(user: User, password: string) {
  const landing = screen.getByRole('region', { name: 'Reset your password' });
  await user.type(within(landing).getByLabelText('New password'), password);
  await user.click(within(landing).getByRole('button', { name: 'Set new password' }));
}

describe('a link landing on the page', () => {
  it('takes the token out of the address before any request, then resets the password with it', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const link = await mailedLink(server, 'password-reset', 'alice@example.com');
    const token = new URL(link).hash.split('token=')[1]!;
    const addressAtEachRequest: string[] = [];
    const api: FakeApi = {
      ...server,
      fetch: (input, init) => {
        addressAtEachRequest.push(location.href);
        return server.fetch(input, init);
      },
    };
    history.replaceState(null, '', `/lab?x=1${new URL(link).hash}`);

    const { user } = renderPage(api);

    expect(location.href).toBe(`${location.origin}/lab?x=1`);
    const landing = screen.getByRole('region', { name: 'Reset your password' });
    expect(document.activeElement).toBe(within(landing).getByRole('heading'));
    await setNewPassword(user, 'new-password-1');

    expect((await within(landing).findByRole('status')).textContent).toBe(
      'Your password is changed. Every session of alice was logged out (0): log in with the new password.',
    );
    expect(server.requests.find((request) => request.path === '/api/auth/password-reset')?.body).toEqual({ token, password: 'new-password-1' });
    expect(addressAtEachRequest.length).toBeGreaterThan(0);
    expect(addressAtEachRequest.filter((address) => address.includes('token'))).toEqual([]);
    expect(within(landing).queryByLabelText('New password')).toBeNull();
  });

  it('checks the new password before spending the link', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    arriveWith(await mailedLink(server, 'password-reset', 'alice@example.com'));
    const { user } = renderPage(server);

    await setNewPassword(user, 'short');

    expect((await screen.findByText('Use 8 to 256 characters.')).id).toBe('new-password-problem');
    expect(screen.getByLabelText('New password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('New password').getAttribute('aria-invalid')).toBe('true');
    expect(server.countRequests('POST', '/api/auth/password-reset')).toBe(0);
  });

  it('says "already used" when the same link arrives a second time', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const link = await mailedLink(server, 'password-reset', 'alice@example.com');
    arriveWith(link);
    const { user } = renderPage(server);
    await setNewPassword(user, 'new-password-1');
    await screen.findByText(/Your password is changed/);

    location.hash = new URL(link).hash; // opened again, as from the Outbox: a hashchange
    await waitFor(() => expect(location.hash).toBe(''));
    await setNewPassword(user, 'new-password-2');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'link_used This link was already used. Each link works once: if you still need one, ask for a new link under Email links.',
    );
    expect(screen.queryByLabelText('New password')).toBeNull();
  });

  it.each([
    ['an expired link', (server: FakeApi) => server.expireLinks(), 'link_expired This link has expired: links work only for a short while. Ask for a new one under Email links.'],
    ['a link that is not one', null, 'invalid_link This link is not valid. Ask for a new one. (Email links, below, sends a new one.)'],
  ] as const)('explains %s', async (_case, prepare, expected) => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const link = await mailedLink(server, 'verify-email', 'alice@example.com');
    prepare?.(server);
    arriveWith(prepare ? link : link.replace(/token=.*/, 'token=forged'));
    const { user } = renderPage(server);

    await user.click(screen.getByRole('button', { name: 'Confirm email' }));

    expect((await screen.findByRole('alert')).textContent).toBe(expected);
  });

  it('says at once that a link without a token is incomplete, and asks nothing of the server', async () => {
    history.replaceState(null, '', '/#verify-email');
    const server = createFakeApi();
    renderPage(server);

    const landing = screen.getByRole('region', { name: 'Confirm your email address' });
    expect(within(landing).getByRole('alert').textContent).toMatch(/^invalid_link This link is incomplete/);
    expect(within(landing).queryByRole('button', { name: 'Confirm email' })).toBeNull();
    expect(server.requests.filter((request) => request.path.startsWith('/api/auth'))).toEqual([]);
  });

  it('confirms an address, and Close puts the landing away', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    arriveWith(await mailedLink(server, 'verify-email', 'alice@example.com'));
    const { user } = renderPage(server);

    await user.click(screen.getByRole('button', { name: 'Confirm email' }));

    expect((await screen.findByRole('status')).textContent).toBe('alice@example.com is confirmed for alice.');
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: 'Confirm your email address' })).toBeNull();
  });

  it('logs this tab out when it reset the password of the user logged in here', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const { user } = renderPage(server);
    await user.type(screen.getByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'password1');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByRole('button', { name: 'Log out' });

    location.hash = new URL(await mailedLink(server, 'password-reset', 'alice@example.com')).hash;
    await screen.findByRole('region', { name: 'Reset your password' });
    await setNewPassword(user, 'new-password-1');

    await screen.findByText(/Every session of alice was logged out \(1\)/);
    const session = screen.getByRole('region', { name: 'Your session' });
    expect((await within(session).findByRole('status')).textContent).toBe('Your password was reset, which logged out every session of this account, this one included.');
    expect(within(session).getByRole('button', { name: 'Log in' })).toHaveProperty('disabled', false);
    expect(server.countRequests('GET', '/api/private')).toBe(0); // ended here without asking the server again
  });
});

describe('asking for a link', () => {
  it('sends a reset link to the address, says so, and the message shows in the Outbox', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const { user } = renderPage(server);
    const form = screen.getByRole('region', { name: 'Email links' });
    await screen.findByRole('region', { name: 'Outbox' });

    await user.type(within(form).getByLabelText('Email'), 'alice@example.com');
    await user.click(within(form).getByRole('button', { name: 'Send reset link' }));

    expect((await within(form).findByRole('status')).textContent).toBe('If an account has this address, a message is on its way. Look in the Outbox below.');
    expect(server.requests.find((request) => request.path === '/api/auth/password-reset/request')).toMatchObject({ path: '/api/auth/password-reset/request', body: { email: 'alice@example.com' }, credentials: 'omit' });
    const outbox = screen.getByRole('region', { name: 'Outbox' });
    expect((await within(outbox).findAllByRole('listitem')).map((item) => item.textContent)).toEqual([expect.stringContaining('Reset your JWT Lab password')]);
  });

  it('sends a verification link with the other button', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const { user } = renderPage(server);
    const form = screen.getByRole('region', { name: 'Email links' });

    await user.type(within(form).getByLabelText('Email'), 'alice@example.com');
    await user.click(within(form).getByRole('button', { name: 'Send verification link' }));

    await within(form).findByRole('status');
    expect(server.countRequests('POST', '/api/auth/verify-email/request')).toBe(1);
    const outbox = screen.getByRole('region', { name: 'Outbox' });
    expect((await within(outbox).findAllByRole('listitem')).map((item) => item.textContent)).toEqual([expect.stringContaining('Confirm your email address for JWT Lab')]);
  });

  it('checks the address first, and explains a refusal for too many requests', async () => {
    const server = createFakeApi();
    const limited: FakeApi = {
      ...server,
      fetch: async (input, init) =>
        requestPath(input).endsWith('/request')
          ? new Response(JSON.stringify({ error: 'rate_limited', message: 'Too many failed attempts. Try again later.' }), { status: 429 })
          : server.fetch(input, init),
    };
    const { user } = renderPage(limited);
    const form = screen.getByRole('region', { name: 'Email links' });

    await user.type(within(form).getByLabelText('Email'), 'not-an-address');
    await user.click(within(form).getByRole('button', { name: 'Send reset link' }));
    expect((await within(form).findByText('Enter an address like name@example.com.')).id).toBe(within(form).getByLabelText('Email').getAttribute('aria-describedby')?.split(' ').find((id) => id.endsWith('-problem')));
    expect(server.countRequests('POST', '/api/auth/password-reset/request')).toBe(0);

    await user.clear(within(form).getByLabelText('Email'));
    await user.type(within(form).getByLabelText('Email'), 'alice@example.com');
    await user.click(within(form).getByRole('button', { name: 'Send reset link' }));
    expect((await within(form).findByRole('alert')).textContent).toBe(
      'rate_limited Too many links were asked for lately. Wait a while (up to 15 minutes), then try again.',
    );
  });
});

describe('the Outbox', () => {
  it('lists each message with its address, subject, time and a real link, newest first, and refreshes on demand', async () => {
    const server = createFakeApi({ now: () => Date.parse('2030-01-02T03:04:05Z') });
    server.addUser('alice', 'password1', 'alice@example.com');
    const first = await mailedLink(server, 'verify-email', 'alice@example.com');
    const { user } = renderPage(server);

    const outbox = await screen.findByRole('region', { name: 'Outbox' });
    expect(within(outbox).getByText(/stands in for email/i).textContent).toContain('only in local runs');
    expect(within(outbox).getByRole('link', { name: first }).getAttribute('href')).toBe(first);
    expect(within(outbox).getByText(/To alice@example\.com/).querySelector('time')?.getAttribute('datetime')).toBe('2030-01-02T03:04:05.000Z');

    const second = await mailedLink(server, 'password-reset', 'alice@example.com');
    await user.click(within(outbox).getByRole('button', { name: 'Refresh outbox' }));

    await within(outbox).findByRole('link', { name: second });
    expect(within(outbox).getAllByRole('listitem').map((item) => within(item).getByRole('link').getAttribute('href'))).toEqual([second, first]);
    expect(within(outbox).getAllByRole('listitem')[0]!.textContent).toContain('Reset your JWT Lab password');
  });

  it('opens a link from the list on this page', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1', 'alice@example.com');
    const link = await mailedLink(server, 'verify-email', 'alice@example.com');
    const { user } = renderPage(server);

    await user.click(await screen.findByRole('link', { name: link }));

    const landing = await screen.findByRole('region', { name: 'Confirm your email address' });
    expect(within(landing).getByRole('button', { name: 'Confirm email' })).toHaveProperty('disabled', false);
    expect(location.hash).toBe('');
  });

  it('is not on the page when the server has no outbox page', async () => {
    const server = createFakeApi({ outboxPage: false });
    renderPage(server);
    await waitFor(() => expect(server.countRequests('GET', '/api/outbox')).toBe(1));
    expect(screen.queryByRole('region', { name: 'Outbox' })).toBeNull();
    expect(screen.getByRole('region', { name: 'Email links' }).textContent).not.toContain('Outbox');
  });
});

describe('registering with an email address', () => {
  async function register(user: User, email: string) {
    await user.type(screen.getByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'password1');
    if (email) await user.type(screen.getByLabelText('Email (optional)'), email);
    await user.click(screen.getByRole('button', { name: 'Register' }));
  }

  it('sends no email field when it is left empty', async () => {
    const server = createFakeApi();
    const { user } = renderPage(server);
    await register(user, '');

    await screen.findByText(/Account “alice” created\. Now press Log in/);
    expect(server.requests.find((request) => request.path === '/api/auth/register')?.body).toEqual({ username: 'alice', password: 'password1' });
  });

  it('sends the address when it is filled, and the confirmation message arrives in the Outbox', async () => {
    const server = createFakeApi();
    const { user } = renderPage(server);
    await screen.findByRole('region', { name: 'Outbox' });
    await register(user, 'alice@example.com');

    expect((await screen.findByRole('status')).textContent).toBe(
      'Account “alice” created. A message with a link to confirm alice@example.com is on its way (in local runs, to the Outbox). Now press Log in to get your tokens.',
    );
    expect(server.requests.find((request) => request.path === '/api/auth/register')?.body).toEqual({
      username: 'alice',
      password: 'password1',
      email: 'alice@example.com',
    });
    const outbox = screen.getByRole('region', { name: 'Outbox' });
    expect((await within(outbox).findAllByRole('listitem')).map((item) => item.textContent)).toEqual([expect.stringContaining('To alice@example.com')]);

    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByRole('button', { name: 'Log out' });
    expect((await within(screen.getByRole('region', { name: 'Your session' })).findByText(/Logged in as/)).textContent).toBe('Logged in as alice in localStorage mode.');
    expect(screen.queryByText(/Account “alice” created/)).toBeNull();
  });

  it('refuses an address that is not one, and sends nothing', async () => {
    const server = createFakeApi();
    const { user } = renderPage(server);
    await register(user, 'alice.example.com');

    expect((await screen.findByText('Enter an address like name@example.com, or leave it empty.')).id).toBe('email-problem');
    expect(document.activeElement).toBe(screen.getByLabelText('Email (optional)'));
    expect(server.countRequests('POST', '/api/auth/register')).toBe(0);
  });

  it('shows the server refusal of a taken name', async () => {
    const server = createFakeApi();
    server.addUser('alice', 'password1');
    const { user } = renderPage(server);
    await register(user, 'alice@example.com');

    expect((await screen.findByRole('alert')).textContent).toBe('username_taken That username is already taken.');
  });
});
