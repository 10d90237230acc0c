import { createApiClient, type Exchange } from '../../../lib/api-client';
import type { LabRow, LabStrategy } from './rows';
import { checkAfterLogout, restoreAsAFreshPage } from './restore';

/**
 * The new tab of the side-by-side run: a real second tab of this origin (opened with noopener, so
 * it starts with a sessionStorage of its own, as a tab the visitor opens). The lab asks it, over a
 * BroadcastChannel, to start each strategy as a fresh page would, and later whether a logout in
 * the lab's tab reached it.
 */

type TabRequest = { type: 'probe' | 'check'; rowId: string; seq: number } | { type: 'close' };
type TabAnswer =
  | { type: 'ready' }
  | { type: 'answer'; seq: number; yes: boolean; seen: string; exchanges: Exchange[] };

export { OTHER_TAB_PARAM } from './tab-address';
const channelName = (runId: string) => `jwtlab-side-by-side-${runId}`;

/** Runs in the new tab (main.tsx starts it instead of the app when the address asks for it). */
export function serveAsOtherTab(runId: string, rows: readonly LabRow[]) {
  const channel = new BroadcastChannel(channelName(runId));
  const live = new Map<string, LabStrategy>();
  channel.onmessage = async (event: MessageEvent<TabRequest>) => {
    const request = event.data;
    if (request.type === 'close') {
      channel.close();
      window.close();
      return;
    }
    const row = rows.find((candidate) => candidate.id === request.rowId);
    if (!row) return;
    const exchanges: Exchange[] = [];
    const api = createApiClient({ onExchange: (exchange) => void exchanges.push(exchange), source: `${row.label}, new tab` });
    if (request.type === 'probe') {
      const strategy = row.createStrategy();
      live.set(row.id, strategy);
      const { signedIn, seen } = await restoreAsAFreshPage(api, strategy, 'the new tab');
      channel.postMessage({ type: 'answer', seq: request.seq, yes: signedIn, seen, exchanges } satisfies TabAnswer);
    } else {
      const strategy = live.get(row.id) ?? row.createStrategy();
      const { ended, seen } = await checkAfterLogout(api, strategy, 'the new tab');
      channel.postMessage({ type: 'answer', seq: request.seq, yes: ended, seen, exchanges } satisfies TabAnswer);
    }
  };
  channel.postMessage({ type: 'ready' } satisfies TabAnswer);
}

/** The lab's side of that conversation. */
export function connectToOtherTab(runId: string) {
  const channel = new BroadcastChannel(channelName(runId));
  const waiting = new Map<number, (answer: Extract<TabAnswer, { type: 'answer' }>) => void>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let seq = 0;
  channel.onmessage = (event: MessageEvent<TabAnswer>) => {
    if (event.data.type === 'ready') markReady();
    else waiting.get(event.data.seq)?.(event.data);
  };
  const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
  return {
    /** True once the new tab answered; false when it never opened (a blocked pop-up). */
    ready: async (timeoutMs = 15_000) => (await within(ready.then(() => true), timeoutMs)) ?? false,
    ask: (type: 'probe' | 'check', rowId: string, timeoutMs = 15_000) => {
      const mine = ++seq;
      const answered = new Promise<Extract<TabAnswer, { type: 'answer' }>>((resolve) => waiting.set(mine, resolve));
      channel.postMessage({ type, rowId, seq: mine } satisfies TabRequest);
      return within(answered, timeoutMs);
    },
    close() {
      channel.postMessage({ type: 'close' } satisfies TabRequest);
      channel.close();
    },
  };
}

export type OtherTab = ReturnType<typeof connectToOtherTab>;
