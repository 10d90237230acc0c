import { describe, expect, it } from 'vitest';
import { createSendQueue } from './send-queue.js';

/** A job that finishes when the test says so. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('send queue', () => {
  it('runs jobs after the caller returns, one after another, in order', async () => {
    const queue = createSendQueue();
    const ran: string[] = [];
    const first = gate();
    queue.later(async () => {
      await first.opened;
      ran.push('first');
    }, () => {});
    queue.later(async () => void ran.push('second'), () => {});
    expect(ran).toEqual([]);
    expect(queue.pending).toBe(2);
    first.open();
    await queue.drain();
    expect(ran).toEqual(['first', 'second']);
    expect(queue.pending).toBe(0);
  });

  it('drain waits for jobs handed over while it waits', async () => {
    const queue = createSendQueue();
    const ran: string[] = [];
    queue.later(async () => {
      queue.later(async () => void ran.push('follow-up'), () => {});
      ran.push('first');
    }, () => {});
    await queue.drain();
    expect(ran).toEqual(['first', 'follow-up']);
  });

  it('a failing job goes to its own error handler and stops nothing after it', async () => {
    const queue = createSendQueue();
    const errors: unknown[] = [];
    const ran: string[] = [];
    queue.later(async () => {
      throw new Error('smtp down');
    }, (error) => errors.push(error));
    queue.later(async () => void ran.push('next'), () => {});
    await queue.drain();
    expect(errors).toEqual([new Error('smtp down')]);
    expect(ran).toEqual(['next']);
  });

  it('drain of an empty queue resolves at once', async () => {
    await expect(createSendQueue().drain()).resolves.toBeUndefined();
  });
});
