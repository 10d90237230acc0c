import type { Exchange } from '../../lib/api-client';

export interface LoggedExchange extends Exchange {
  id: number;
}

/** Enough history to follow a session without the list growing for ever. */
const MAX_ENTRIES = 200;

/** Every API call of this tab, newest first, as an external store for useSyncExternalStore. */
export function createRequestLog() {
  let entries: readonly LoggedExchange[] = [];
  let nextId = 1;
  const listeners = new Set<() => void>();
  const publish = (next: readonly LoggedExchange[]) => {
    entries = next;
    for (const listener of listeners) listener();
  };
  return {
    getEntries: () => entries,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Records one exchange and returns its id (evidence links point at `#request-log-entry-<id>`). */
    record: (exchange: Exchange): number => {
      const id = nextId++;
      publish([{ ...exchange, id }, ...entries].slice(0, MAX_ENTRIES));
      return id;
    },
    clear: () => publish([]),
  };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
