import { createSessionController } from '../features/auth/session/session-controller';
import { createTabLocalLock, type TabChannel, type TabMessage, type TabSync } from '../features/auth/session/tab-sync';
import { readPreferredStrategy, savePreferredStrategy } from '../features/auth/strategies/preferred-strategy';
import { createStrategies } from '../features/auth/strategies/strategy-catalog';
import { createRequestLog } from '../features/request-log/request-log-store';
import { createPageSessionsList } from '../features/sessions/sessions-list';
import { createApiClient } from '../lib/api-client';
import type { DpopKeyStore } from '../features/auth/strategies/dpop-key-store';
import type { FakeApi } from './fake-api';
import { createMemoryKeyStore } from './memory-key-store';

/**
 * Stand-ins for the browser's cross-tab machinery: one lock shared by every "tab" (what Web Locks
 * give real tabs) and a broadcast hub that, like BroadcastChannel, delivers asynchronously to
 * every member but the sender.
 */
export function createFakeBrowser() {
  const runExclusive = createTabLocalLock();
  const members = new Set<(event: MessageEvent) => void>();
  // One origin's IndexedDB, shared by its tabs like the real one.
  const dpopKeys = createMemoryKeyStore();
  return {
    dpopKeys,
    join(): TabSync {
      const own = new Set<(event: MessageEvent) => void>();
      const channel: TabChannel = {
        postMessage(message: TabMessage) {
          for (const listener of members) {
            if (!own.has(listener)) setTimeout(() => listener(new MessageEvent('message', { data: message })), 0);
          }
        },
        addEventListener(_type, listener) {
          own.add(listener);
          members.add(listener);
        },
      };
      return { runExclusive, channel };
    },
  };
}

/**
 * One page of the app, wired as main.tsx wires it, against the fake API. localStorage is jsdom's,
 * shared like a real origin's; each tab gets its own sessionStorage, and the fake API's cookie jar
 * stands in for document.cookie.
 */
export function openTab(api: FakeApi, tabs: TabSync, { session = new MemoryStorage(), dpopKeys = createMemoryKeyStore() }: { session?: Storage; dpopKeys?: DpopKeyStore } = {}) {
  const requestLog = createRequestLog();
  const client = createApiClient({ fetch: api.fetch, onExchange: requestLog.record, origin: 'http://localhost:3000' });
  const strategies = createStrategies({ local: localStorage, session, readCookies: api.visibleCookies, dpopKeys });
  const controller = createSessionController({
    api: client,
    strategies,
    preferredStrategy: { read: readPreferredStrategy, save: savePreferredStrategy },
    tabs,
  });
  const sessions = createPageSessionsList(client, { ...controller, strategy: controller.activeStrategy });
  return { controller, requestLog, api: client, strategies, sessionStorage: session, sessions };
}

/** A Storage of one tab (jsdom has one sessionStorage for the whole test file). */
export class MemoryStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, String(value));
  }
}
