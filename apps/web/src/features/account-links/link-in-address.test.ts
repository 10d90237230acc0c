import { beforeEach, describe, expect, it, vi } from 'vitest';
import { takeLinkFromAddress } from './link-in-address';

beforeEach(() => history.replaceState(null, '', '/'));

describe('takeLinkFromAddress', () => {
  it('reads a reset link and replaces the history entry with the same path and query, without the fragment', () => {
    history.pushState(null, '', '/lab?tab=1#reset-password?token=abc.def.ghi');
    const entries = history.length;

    expect(takeLinkFromAddress()).toEqual({ purpose: 'reset-password', token: 'abc.def.ghi' });
    expect(location.href).toBe(`${location.origin}/lab?tab=1`);
    expect(location.hash).toBe('');
    expect(history.length).toBe(entries);
  });

  it('reads a verification link, and gives an empty token when the link was cut short', () => {
    history.replaceState(null, '', '/#verify-email?token=t1');
    expect(takeLinkFromAddress()).toEqual({ purpose: 'verify-email', token: 't1' });
    history.replaceState(null, '', '/#verify-email');
    expect(takeLinkFromAddress()).toEqual({ purpose: 'verify-email', token: '' });
    expect(location.hash).toBe('');
  });

  it('leaves any other fragment where it is', () => {
    history.replaceState(null, '', '/#request-log');
    expect(takeLinkFromAddress()).toBeNull();
    expect(location.hash).toBe('#request-log');
  });

  it('has already taken the link when the module is first loaded, before main.tsx can start the session', async () => {
    history.replaceState(null, '', '/#reset-password?token=from-the-message');
    vi.resetModules();

    const { takeLandedLink } = await import('./link-in-address');

    expect(location.hash).toBe('');
    expect(takeLandedLink()).toEqual({ purpose: 'reset-password', token: 'from-the-message' });
  });
});
