import { ApiError } from '../errors/api-error.js';

export interface HashQueueOptions {
  /** Hashes computed at once; more only compete for the same cores. */
  maxInFlight: number;
  /**
   * The longest a new caller may expect to wait for a slot (the hashes ahead of it, at the measured
   * speed); past it, callers are answered at once.
   */
  maxWaitMs: number;
  /** A hard cap on callers waiting, whatever the speed, so that memory stays bounded too. */
  maxWaiting: number;
  /** Used to tell a refused caller how long the queue takes to drain. */
  now?: () => number;
}

/**
 * Bounds the password hashes in flight and waiting. A burst of logins then costs the server a
 * fixed amount of CPU and memory: past the bound a caller gets 503 server_busy with Retry-After at
 * once, instead of joining a queue that turns every request into a timeout (and that, on libuv's
 * shared pool, would also stall file and DNS work for everything else).
 */
export function createHashQueue({ maxInFlight, maxWaitMs, maxWaiting, now = () => performance.now() }: HashQueueOptions) {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  // A moving average of one hash's duration: how long the queue takes to drain.
  let averageMs = 25;
  const expectedWaitMs = (ahead: number) => (ahead / maxInFlight) * averageMs;

  function refuse(): never {
    const retryAfter = Math.max(1, Math.ceil(expectedWaitMs(waiting.length + inFlight) / 1000));
    throw new ApiError('server_busy', `The server is busy checking passwords. Try again in ${retryAfter} seconds.`, { 'retry-after': String(retryAfter) });
  }

  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (inFlight >= maxInFlight) {
      if (waiting.length >= maxWaiting || expectedWaitMs(waiting.length + 1) > maxWaitMs) refuse();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      inFlight += 1;
    }
    const started = now();
    try {
      return await work();
    } finally {
      averageMs = averageMs * 0.9 + (now() - started) * 0.1;
      // The slot passes straight to the next waiter, so inFlight only drops when nobody waits.
      const next = waiting.shift();
      if (next) next();
      else inFlight -= 1;
    }
  }

  return {
    run,
    /** For tests and metrics. */
    get load() {
      return { inFlight, waiting: waiting.length };
    },
  };
}

export type HashQueue = ReturnType<typeof createHashQueue>;
