import { isStrategyId, type StrategyId } from '../strategies/strategy';

/** News one tab gives the others of the same origin. */
export type TabMessage =
  | { type: 'signed-in'; strategy: StrategyId }
  | { type: 'refreshed'; strategy: StrategyId }
  | { type: 'signed-out'; strategy: StrategyId };

/** Runs `task` while holding the named lock, in this tab and every other one (Web Locks semantics). */
type RunExclusive = <T>(name: string, task: () => Promise<T>) => Promise<T>;

/** The slice of BroadcastChannel the page uses, so tests can pass a fake one. */
export interface TabChannel {
  postMessage(message: TabMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export interface TabSync {
  runExclusive: RunExclusive;
  channel: TabChannel | null;
}

/**
 * Web Locks make the refresh single-flight across tabs. Browsers without them (or pages on plain
 * http away from localhost, where they are not exposed) fall back to a lock for this tab alone;
 * the stamp check after the lock and the "refreshed" news still keep most duplicates away.
 */
export function browserTabSync(): TabSync {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return {
    // lib.dom types the result as Promise<Promise<T>>; promises flatten, so it is a Promise<T>.
    runExclusive: locks ? (name, task) => locks.request(name, task) as Promise<never> : createTabLocalLock(),
    channel: typeof BroadcastChannel === 'function' ? new BroadcastChannel('jwtlab-session') : null,
  };
}

/** A lock that queues tasks by name within one JavaScript realm. */
export function createTabLocalLock(): RunExclusive {
  const tails = new Map<string, Promise<unknown>>();
  return (name, task) => {
    const previous = tails.get(name) ?? Promise.resolve();
    const run = previous.then(task, task);
    tails.set(name, run.catch(() => {}));
    return run;
  };
}

export function isTabMessage(value: unknown): value is TabMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, strategy } = value as Record<string, unknown>;
  return (type === 'signed-out' || type === 'signed-in' || type === 'refreshed') && isStrategyId(strategy);
}
