import type { StoreLog } from '../types.js';

/** A revocation this instance published, waiting for every receiving instance to confirm it. */
interface PendingNotice {
  confirmations: number;
  expected: number;
  settle?: () => void;
}

export interface RevocationNotice {
  /** The publishing instance: where receivers send their confirmation. */
  from: string;
  /** Names this revocation among the publisher's. */
  notice: string;
}

/** What a revoking write did: what to return, which sessions it revoked, how many instances received the news. */
export interface RevokingWrite<T> {
  value: T;
  revokedIds: readonly string[];
  receivers: number;
}

/**
 * The confirmation protocol: a revoking instance names its notice before publishing, every
 * instance that receives the revocation applies it and confirms, and the revoking call returns
 * once as many confirmations arrived as the engine said there were receivers (or after
 * `timeoutMs`, logged), so that the client's next request is refused on whichever instance gets it.
 */
export function createConfirmations({ instanceId, timeoutMs, log }: { instanceId: string; timeoutMs: number; log?: StoreLog | undefined }) {
  const pending = new Map<string, PendingNotice>();
  let noticeCount = 0;

  function close(notice: string) {
    pending.delete(notice);
  }

  /** Names a revocation about to be published, so that confirmations arriving early are counted. */
  function open(): RevocationNotice {
    const notice = String((noticeCount += 1));
    pending.set(notice, { confirmations: 0, expected: Number.POSITIVE_INFINITY });
    return { from: instanceId, notice };
  }

  async function awaitConfirmations(notice: string, receivers: number): Promise<void> {
    const waiting = pending.get(notice);
    if (!waiting) return;
    waiting.expected = receivers;
    try {
      if (waiting.confirmations >= receivers) return;
      const confirmed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiting.settle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!confirmed) log?.warn(`session store: ${waiting.confirmations} of ${receivers} instances confirmed a revocation within ${timeoutMs} ms`);
    } finally {
      close(notice);
    }
  }

  return {
    open,
    /** One receiving instance (this one included) has applied the revocation. */
    confirm(notice: string): void {
      const waiting = pending.get(notice);
      if (!waiting) return;
      waiting.confirmations += 1;
      if (waiting.confirmations >= waiting.expected) waiting.settle?.();
    },
    awaitConfirmations,
    close,

    /**
     * Runs a store write that may revoke sessions and publish that: names the notice, runs it, and,
     * when it revoked anything, waits for the receivers' confirmations.
     */
    async confirmRevocation<T>(run: (notice: RevocationNotice) => Promise<RevokingWrite<T>>, noteRevoked: (ids: readonly string[]) => void): Promise<T> {
      const notice = open();
      let write: RevokingWrite<T>;
      try {
        write = await run(notice);
      } catch (error) {
        close(notice.notice);
        throw error;
      }
      const { value, revokedIds, receivers } = write;
      // Refused here at once, whatever the others say.
      noteRevoked(revokedIds);
      if (revokedIds.length > 0) await awaitConfirmations(notice.notice, receivers);
      else close(notice.notice);
      return value;
    },
  };
}

export type Confirmations = ReturnType<typeof createConfirmations>;
