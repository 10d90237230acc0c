import { describe, expect, it } from 'vitest';
import { createBoundedMap } from './bounded-map.js';

describe('bounded map', () => {
  it('answers what was written, like a Map', () => {
    const map = createBoundedMap<string, number>({ capacity: 3 });
    map.set('a', 1);
    expect(map.get('a')).toBe(1);
    expect(map.has('a')).toBe(true);
    expect(map.get('b')).toBeUndefined();
    expect(map.has('b')).toBe(false);
    expect(map.size).toBe(1);
    expect(map.capacity).toBe(3);
  });

  it('never holds more than its capacity: the entry written longest ago leaves first', () => {
    const map = createBoundedMap<string, number>({ capacity: 2 });
    map.set('one', 1);
    map.set('two', 2);
    map.set('three', 3);
    expect(map.size).toBe(2);
    expect([...map.entries()]).toEqual([
      ['two', 2],
      ['three', 3],
    ]);
  });

  it('a rewrite makes the entry the newest; a read does not', () => {
    const map = createBoundedMap<string, number>({ capacity: 2 });
    map.set('one', 1);
    map.set('two', 2);
    map.set('one', 10); // rewritten: now the newest
    expect(map.get('two')).toBe(2); // read: stays the oldest
    map.set('three', 3);
    expect([...map.entries()]).toEqual([
      ['one', 10],
      ['three', 3],
    ]);
  });

  it('rewriting a key at capacity evicts nothing', () => {
    const map = createBoundedMap<string, number>({ capacity: 2 });
    map.set('one', 1);
    map.set('two', 2);
    map.set('two', 20);
    expect([...map.entries()]).toEqual([
      ['one', 1],
      ['two', 20],
    ]);
  });

  it('delete and clear forget entries', () => {
    const map = createBoundedMap<string, number>({ capacity: 5 });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.get('a')).toBeUndefined();
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get('b')).toBeUndefined();
  });

  it('may delete the entry it is visiting while iterating', () => {
    const map = createBoundedMap<string, number>({ capacity: 5 });
    for (const [key, value] of Object.entries({ a: 1, b: 2, c: 3, d: 4 })) map.set(key, value);
    for (const [key, value] of map.entries()) if (value % 2 === 0) map.delete(key);
    expect([...map.entries()]).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
  });

  it('capacity 0 holds nothing', () => {
    const map = createBoundedMap<string, number>({ capacity: 0 });
    map.set('a', 1);
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('refuses a capacity that is not a whole number from 0 up', () => {
    expect(() => createBoundedMap({ capacity: -1 })).toThrow(RangeError);
    expect(() => createBoundedMap({ capacity: 1.5 })).toThrow('capacity must be a whole number >= 0, got 1.5');
  });
});
