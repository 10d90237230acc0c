import type { OutboxMessage } from '@jwt-lab/shared';
import type { ApiClient } from '../../lib/api-client';

export interface OutboxState {
  /** `off` once the server says it has no outbox page (200 `enabled: false`: OUTBOX_PAGE is off, as in production). */
  availability: 'unknown' | 'on' | 'off';
  /** Newest first. */
  messages: readonly OutboxMessage[];
  /** When the list was last read, in milliseconds since the epoch. */
  checkedAt: number | null;
  problem: string | null;
}

export interface OutboxOptions {
  /** How often, and how many times, to look for a message that is on its way. */
  pollEveryMs?: number;
  pollTimes?: number;
  now?: () => number;
}

/**
 * The local outbox that stands in for email, as an external store. The server sends a message
 * only after it has answered the request for it, so a caller that expects one says so with
 * `watchForNew`, which looks again a few times until a new message shows.
 */
export function createOutbox(api: Pick<ApiClient, 'outbox'>, { pollEveryMs = 400, pollTimes = 12, now = Date.now }: OutboxOptions = {}) {
  const listeners = new Set<() => void>();
  let state: OutboxState = { availability: 'unknown', messages: [], checkedAt: null, problem: null };
  let latestRead = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;

  function update(patch: Partial<OutboxState>) {
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  }

  async function load(): Promise<void> {
    const read = ++latestRead;
    const answer = await api.outbox();
    if (read !== latestRead) return; // a later read is on its way, or already answered
    if (answer.ok) update({ availability: answer.value.enabled ? 'on' : 'off', messages: answer.value.messages, checkedAt: now(), problem: null });
    else update({ problem: `The outbox could not be read: ${answer.error.message}` });
  }

  function watchForNew() {
    if (state.availability === 'off') return;
    clearTimeout(pollTimer);
    const newestBefore = state.messages[0]?.id;
    let looksLeft = pollTimes;
    const look = async () => {
      await load();
      if (state.messages[0]?.id === newestBefore && --looksLeft > 0) pollTimer = setTimeout(() => void look(), pollEveryMs);
    };
    void look();
  }

  return {
    getState: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    load,
    watchForNew,
    stop: () => clearTimeout(pollTimer),
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
