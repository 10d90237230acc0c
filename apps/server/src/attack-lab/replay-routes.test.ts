import { describe, expect, it } from 'vitest';
import { findTokens } from './replay-routes.js';

const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' })).toString('base64url');
const payload = Buffer.from(JSON.stringify({ sub: 'u' })).toString('base64url');
const token = `${header}.${payload}.c2lnbmF0dXJl`;

describe('finding stolen tokens in loot', () => {
  it('finds tokens inside text, JSON strings and nested objects, with where they were', () => {
    const found = findTokens({ localStorage: { 'jwt-lab.tokens': JSON.stringify({ accessToken: token }) }, cookie: `a=1; t=${token}.` });
    expect(found).toEqual([
      { value: token, from: 'localStorage["jwt-lab.tokens"]', typ: 'at+jwt', boundTo: null },
      { value: token, from: 'cookie', typ: 'at+jwt', boundTo: null },
    ]);
  });

  it("reads the key a DPoP-bound token is bound to from its cnf claim", () => {
    const bound = `${header}.${Buffer.from(JSON.stringify({ sub: 'u', cnf: { jkt: 'k'.repeat(43) } })).toString('base64url')}.c2lnbmF0dXJl`;
    expect(findTokens({ memory: bound })).toEqual([{ value: bound, from: 'memory', typ: 'at+jwt', boundTo: 'k'.repeat(43) }]);
  });

  it.each([
    ['eyJ repeated', 'eyJ'.repeat(22_000)],
    ['eyJ segments without a signature', 'eyJa.eyJb.'.repeat(6_500)],
    ['a run of dots', `eyJ${'.'.repeat(65_000)}x`],
  ])('scans 64 KB of %s in milliseconds (linear, not backtracking)', (_name, loot) => {
    expect(loot.length).toBeGreaterThanOrEqual(64_000);
    const started = performance.now();
    expect(findTokens({ loot })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
