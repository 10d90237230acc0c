import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { firstMismatch } from './mismatch.js';

describe('firstMismatch', () => {
  const User = Type.Object({ user: Type.Object({ id: Type.String() }) });

  it('names where the first mismatch is and what was expected', () => {
    expect(firstMismatch(User, { user: { id: 7 } })).toBe('/user/id: must be string');
  });

  it('names the whole value when that is what is wrong', () => {
    expect(firstMismatch(User, 'not an object')).toBe('the value: must be object');
    expect(firstMismatch(User, null, 'the body')).toBe('the body: must be object');
  });
});
