/**
 * A Map that holds at most `capacity` entries: when a write would pass the bound, the oldest entry
 * leaves. "Oldest" is the one written longest ago; a read does not move an entry, because
 * reordering on every hit cost 11% of /api/private's throughput (docs/decisions/008) and every
 * cache built on this drops its entries at an expiry anyway. Capacity 0 holds nothing.
 *
 * It bounds memory, never correctness: callers use it only for copies they can read again.
 */
export interface BoundedMap<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  /** Writes the entry as the newest one, then evicts the oldest while over capacity. */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  clear(): void;
  readonly size: number;
  readonly capacity: number;
  /** Oldest first. Deleting the entry just visited while iterating is safe (as with Map). */
  entries(): IterableIterator<[K, V]>;
}

export function createBoundedMap<K, V>({ capacity }: { capacity: number }): BoundedMap<K, V> {
  if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a whole number >= 0, got ${capacity}`);
  // A Map iterates in insertion order, so its first key is the oldest entry.
  const entries = new Map<K, V>();
  return {
    get: (key) => entries.get(key),
    has: (key) => entries.has(key),
    set(key, value) {
      if (capacity === 0) return;
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) entries.delete(entries.keys().next().value as K);
    },
    delete: (key) => entries.delete(key),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
    capacity,
    entries: () => entries.entries(),
  };
}
