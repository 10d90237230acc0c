import { describe, expect, it } from 'vitest';
import { createApiClient } from '../lib/api-client';
import { createFakeApi } from '../test/fake-api';
import { MemoryStorage } from '../test/tabs';
import { createStrategies } from '../features/auth/strategies/strategy-catalog';
import { createMemoryKeyStore } from '../test/memory-key-store';
import { checkAfterLogout, restoreAsAFreshPage } from '../features/attack-lab/side-by-side/restore';

// What the side-by-side run's "reload" and "new tab" find: a fresh strategy instance over the
// stores that survive (this tab's for a reload, the origin's for a new tab), judged by the server.

function browser() {
  const api = createFakeApi();
  api.addUser('alice', 'password1');
  const client = createApiClient({ fetch: api.fetch, origin: 'http://localhost:3000' });
  const local = new MemoryStorage();
  const dpopKeys = createMemoryKeyStore();
  const tab = (session: Storage) => createStrategies({ local, session, readCookies: api.visibleCookies, dpopKeys });
  return { api, client, tab };
}

describe('a fresh page after a login', () => {
  it('sessionStorage: the same tab finds the session, another tab does not', async () => {
    const { client, tab } = browser();
    const thisTab = new MemoryStorage();
    const first = tab(thisTab).sessionStorage;
    const login = await client.login(first, { username: 'alice', password: 'password1' });
    if (login.ok) first.keep(login.value, Date.now());

    expect(await restoreAsAFreshPage(client, tab(thisTab).sessionStorage, 'after the reload, the page')).toMatchObject({ signedIn: true });
    expect(await restoreAsAFreshPage(client, tab(new MemoryStorage()).sessionStorage, 'the new tab')).toEqual({
      signedIn: false,
      seen: 'the new tab found no credential and nothing to refresh with.',
    });
  });

  it('memory: a fresh page has no token, refreshes with the cookies, and a logout elsewhere ends what it got', async () => {
    const { client, tab, api } = browser();
    const first = tab(new MemoryStorage()).memory;
    const login = await client.login(first, { username: 'alice', password: 'password1' });
    if (login.ok) first.keep(login.value, Date.now());

    const other = tab(new MemoryStorage()).memory;
    const restored = await restoreAsAFreshPage(client, other, 'the new tab');
    expect(restored).toMatchObject({ signedIn: true, seen: expect.stringContaining('POST /api/auth/refresh') });
    expect(api.countRequests('POST', '/api/auth/refresh')).toBe(1);

    await client.logout(first);
    expect(await checkAfterLogout(client, other, 'the new tab')).toEqual({
      ended: true,
      seen: 'the new tab no longer finds a credential: the logout removed what the tabs share.',
    });
  });

  it('localStorage: a tab that still holds the token after a logout elsewhere has its next request refused', async () => {
    const { client, tab } = browser();
    const first = tab(new MemoryStorage()).localStorage;
    const login = await client.login(first, { username: 'alice', password: 'password1' });
    if (login.ok) first.keep(login.value, Date.now());
    const other = tab(new MemoryStorage()).localStorage;
    expect(await restoreAsAFreshPage(client, other, 'the new tab')).toMatchObject({ signedIn: true });

    // Revoked on the server, but the token is still in storage (as if this tab wrote it back).
    const token = other.read()!.accessToken!;
    await client.logout(first);
    other.keep({ mode: 'header', user: { id: 'x', username: 'alice' }, accessToken: token, refreshToken: 'r', tokenType: 'Bearer', expiresIn: 60 }, Date.now());
    expect(await checkAfterLogout(client, other, 'the new tab')).toEqual({
      ended: true,
      seen: 'the new tab still held a credential, but its next request was refused: GET /api/private answered 401 token_revoked.',
    });
  });
});
