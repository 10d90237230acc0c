import * as shared from '@jwt-lab/shared';
import { describe, expect, it } from 'vitest';
import { makeJwt } from '../test/fake-api';
import { createCookieStrategy, createHeaderStrategy, CSRF_HEADER, readPreferredMode, savePreferredMode, STORAGE_KEYS } from './credential-strategy';

const user = { id: 'u1', username: 'alice' };
const accessToken = makeJwt({ alg: 'HS256', typ: 'at+jwt' }, { sub: 'u1', exp: 2_000_000_000 });

describe('header strategy', () => {
  it('keeps both tokens in localStorage and sends the access token as a Bearer header, never cookies', () => {
    const strategy = createHeaderStrategy();
    const kept = strategy.keep({ mode: 'header', user, accessToken, refreshToken: 'r1', tokenType: 'Bearer', expiresIn: 900 }, 0);

    expect(kept).toEqual({ stamp: accessToken, expiresAt: 2_000_000_000_000, accessToken });
    expect(localStorage.getItem(STORAGE_KEYS.accessToken)).toBe(accessToken);
    expect(localStorage.getItem(STORAGE_KEYS.refreshToken)).toBe('r1');
    expect(strategy.attach('read')).toEqual({
      headers: { authorization: `Bearer ${accessToken}` },
      credentials: 'omit',
      carrier: 'authorization-header',
      csrfSent: false,
    });
    expect(strategy.attach('refresh')).toMatchObject({ body: { refreshToken: 'r1' }, carrier: 'body', credentials: 'omit' });
  });

  it('forgets both tokens on clear and then sends nothing', () => {
    const strategy = createHeaderStrategy();
    strategy.keep({ mode: 'header', user, accessToken, refreshToken: 'r1', tokenType: 'Bearer', expiresIn: 900 }, 0);
    strategy.clear();
    expect(localStorage.length).toBe(0);
    expect(strategy.read()).toBeNull();
    expect(strategy.attach('change')).toMatchObject({ headers: {}, carrier: 'none' });
  });
});

describe('cookie strategy', () => {
  it('keeps no token in the page, only the CSRF token and expiry, and sends X-CSRF-Token on changes only', () => {
    const strategy = createCookieStrategy();
    const kept = strategy.keep({ mode: 'cookie', user, expiresIn: 60, csrfToken: 'csrf-1' }, 1_000);

    expect(kept).toMatchObject({ expiresAt: 61_000, accessToken: null });
    expect(Object.keys(localStorage)).toEqual([STORAGE_KEYS.cookieSession]);
    expect(localStorage.getItem(STORAGE_KEYS.cookieSession)).not.toContain('eyJ');
    expect(strategy.attach('read')).toEqual({ headers: {}, credentials: 'same-origin', carrier: 'cookie', csrfSent: false });
    expect(strategy.attach('change')).toEqual({ headers: { [CSRF_HEADER]: 'csrf-1' }, credentials: 'same-origin', carrier: 'cookie', csrfSent: true });
    expect(strategy.attach('refresh')).toMatchObject({ headers: { [CSRF_HEADER]: 'csrf-1' }, body: {}, csrfSent: true });
  });

  it('keeps its stamp when the session endpoint reports the same token, so other tabs see no refresh', () => {
    const strategy = createCookieStrategy();
    const kept = strategy.keep({ mode: 'cookie', user, expiresIn: 60, csrfToken: 'csrf-1' }, 1_000);
    const noted = strategy.noteSession({ user, mode: 'cookie', expiresAt: new Date(61_000).toISOString(), csrfToken: 'csrf-1' });
    expect(noted?.stamp).toBe(kept?.stamp);
  });

  it('ignores an answer of the other mode', () => {
    expect(createCookieStrategy().keep({ mode: 'header', user, accessToken, refreshToken: 'r', tokenType: 'Bearer', expiresIn: 1 }, 0)).toBeNull();
    expect(localStorage.length).toBe(0);
  });
});

describe('shared names', () => {
  it('spells the CSRF header exactly as the server expects it', () => {
    expect(CSRF_HEADER).toBe(shared.CSRF_HEADER);
  });

  it('remembers the preferred mode, defaulting to header mode', () => {
    expect(readPreferredMode()).toBe('header');
    savePreferredMode('cookie');
    expect(readPreferredMode()).toBe('cookie');
  });
});
