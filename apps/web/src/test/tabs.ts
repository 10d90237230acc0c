import { createRequestLog } from '../features/request-log/request-log-store';
import { createPageSessionsList } from '../features/sessions/sessions-list';
import { createApiClient } from '../lib/api-client';
import { createCookieStrategy, createHeaderStrategy, readPreferredMode, savePreferredMode } from '../lib/credential-strategy';
import { createSessionController } from '../lib/session-controller';
import { createTabLocalLock, type TabChannel, type TabMessage, type TabSync } from '../lib/tab-sync';
import type { FakeApi } from './fake-api';

/**
 * Stand-ins for the browser's cross-tab machinery: one lock shared by every "tab" (what Web Locks
 * give real tabs) and a broadcast hub that, like BroadcastChannel, delivers asynchronously to
 * every member but the sender.
 */
export function createFakeBrowser() {
  const runExclusive = createTabLocalLock();
  const members = new Set<(event: MessageEvent) => void>();
  return {
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

/** One page of the app, wired as main.tsx wires it, against the fake API. localStorage is jsdom's, shared like a real origin's. */
export function openTab(api: FakeApi, tabs: TabSync) {
  const requestLog = createRequestLog();
  const client = createApiClient({ fetch: api.fetch, onExchange: requestLog.record });
  const strategies = { header: createHeaderStrategy(), cookie: createCookieStrategy() };
  const controller = createSessionController({
    api: client,
    strategies,
    preferredMode: { read: readPreferredMode, save: savePreferredMode },
    tabs,
  });
  const sessions = createPageSessionsList(client, { ...controller, strategy: () => strategies[controller.getState().mode] });
  return { controller, requestLog, api: client, sessions };
}
