/** A bounded in-memory list, newest first: the lab keeps only the recent past, and only in memory. */
export function createRecentList<T>(capacity: number) {
  let items: T[] = [];
  return {
    add(item: T): void {
      items = [item, ...items].slice(0, capacity);
    },
    /** Newest first. */
    list: (): readonly T[] => items,
  };
}

export type RecentList<T> = ReturnType<typeof createRecentList<T>>;
