import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../types.js';
import { createTrustState } from './trust-state.js';

describe('the revocation view trust state', () => {
  it('moves distrusted → resynchronising → current, waking whoever awaits it', async () => {
    const trust = createTrustState();
    const current = trust.whenCurrent(1_000);
    expect(trust.phase).toBe('distrusted');
    expect(() => trust.assertCurrent()).toThrow(StoreUnavailableError);
    const attempt = trust.beginResync()!;
    expect(trust.phase).toBe('resynchronising');
    expect(trust.beginResync()).toBeUndefined(); // one resynchronisation at a time
    expect(trust.settle(attempt, 'test')).toBe(true);
    await expect(current).resolves.toBeUndefined();
    expect(() => trust.assertCurrent()).not.toThrow();
  });

  it('never lets a resynchronisation begun before a loss of trust declare the view current', () => {
    let cleared = 0;
    const trust = createTrustState({ onDistrust: () => (cleared += 1) });
    const stale = trust.beginResync()!;
    trust.distrust('connection lost');
    expect(cleared).toBe(1);
    expect(trust.settle(stale, 'stale')).toBe(false);
    expect(trust.phase).toBe('distrusted');
    trust.abandon(stale); // no effect: a newer epoch owns the state
    const fresh = trust.beginResync()!;
    expect(fresh).toBeGreaterThan(stale);
    expect(trust.settle(fresh, 'fresh')).toBe(true);
  });

  it('goes back to distrusted when a resynchronisation fails, so that the next one may begin', () => {
    const trust = createTrustState();
    const attempt = trust.beginResync()!;
    trust.abandon(attempt);
    expect(trust.phase).toBe('distrusted');
    expect(trust.beginResync()).toBe(attempt);
  });

  it('rejects a waiter with StoreUnavailableError when the view does not become current in time, or is closed', async () => {
    const trust = createTrustState();
    await expect(trust.whenCurrent(5)).rejects.toBeInstanceOf(StoreUnavailableError);
    const waiting = trust.whenCurrent(1_000);
    trust.close();
    await expect(waiting).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(trust.beginResync()).toBeUndefined();
  });
});
