import type { AccessTokenClaims } from '@jwt-lab/shared';
import { describe, expect, it } from 'vitest';
import { createVerifiedTokenCache } from './verified-token-cache.js';

const claims = (exp: number): AccessTokenClaims => ({ iss: 'i', aud: 'a', sub: 's', iat: exp - 900, exp, jti: 'j', sid: 'x' });

describe('verified-token cache', () => {
  it('answers a token it holds, and counts hits and misses', () => {
    const cache = createVerifiedTokenCache({ capacity: 10, now: () => 1_000_000 });
    expect(cache.get('a.b.c')).toBeUndefined();
    cache.set('a.b.c', claims(2000), 'kid-1');
    expect(cache.get('a.b.c')).toEqual(claims(2000));
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, size: 1, capacity: 10 });
  });

  it('keys by the whole token: a token differing only in its last character misses', () => {
    const cache = createVerifiedTokenCache({ capacity: 10, now: () => 0 });
    cache.set('header.payload.signatureA', claims(2000), 'kid-1');
    expect(cache.get('header.payload.signatureB')).toBeUndefined();
    expect(cache.get('header.payload.signature')).toBeUndefined();
    expect(cache.get('header.payload.signatureA')).toEqual(claims(2000));
  });

  it('drops an entry at its exp', () => {
    let now = 1_999_000;
    const cache = createVerifiedTokenCache({ capacity: 10, now: () => now });
    cache.set('t', claims(2000), 'kid-1');
    expect(cache.get('t')).toEqual(claims(2000));
    now = 2_000_000;
    expect(cache.get('t')).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it('stays within its capacity, evicting the oldest entry', () => {
    const cache = createVerifiedTokenCache({ capacity: 2, now: () => 0 });
    cache.set('one', claims(2001), 'kid-1');
    cache.set('two', claims(2002), 'kid-1');
    cache.set('three', claims(2003), 'kid-1');
    expect(cache.stats().size).toBe(2);
    expect(cache.get('one')).toBeUndefined();
    expect(cache.get('two')).toEqual(claims(2002));
    expect(cache.get('three')).toEqual(claims(2003));
  });

  it('forgets the tokens of a key that left the ring, and keeps the others', () => {
    const cache = createVerifiedTokenCache({ capacity: 10, now: () => 0 });
    cache.set('old', claims(2000), 'removed-kid');
    cache.set('new', claims(2001), 'kept-kid');
    cache.keepSignedBy(new Set(['kept-kid']));
    expect(cache.get('old')).toBeUndefined();
    expect(cache.get('new')).toEqual(claims(2001));
    expect(cache.stats().size).toBe(1);
  });

  it('capacity 0 turns it off', () => {
    const cache = createVerifiedTokenCache({ capacity: 0, now: () => 0 });
    cache.set('t', claims(2000), 'kid-1');
    expect(cache.get('t')).toBeUndefined();
    expect(cache.stats()).toEqual({ hits: 0, misses: 1, size: 0, capacity: 0 });
  });
});
