import { describe, expect, it } from 'vitest';
import { createConfirmations } from './confirmations.js';

const silentLog = () => {
  const warnings: string[] = [];
  return { warnings, log: { info: () => {}, warn: (message: string) => void warnings.push(message) } };
};

describe('the revocation confirmation protocol', () => {
  it('returns once every receiver confirmed, counting confirmations that arrive before the receivers are known', async () => {
    const { log, warnings } = silentLog();
    const confirmations = createConfirmations({ instanceId: 'me', timeoutMs: 5_000, log });
    const noted: string[][] = [];
    const result = await confirmations.confirmRevocation(
      async (notice) => {
        expect(notice.from).toBe('me');
        confirmations.confirm(notice.notice); // an instance faster than the engine's reply
        setTimeout(() => confirmations.confirm(notice.notice), 5);
        return { value: 'done', revokedIds: ['s1'], receivers: 2 };
      },
      (ids) => void noted.push([...ids]),
    );
    expect(result).toBe('done');
    expect(noted).toEqual([['s1']]);
    expect(warnings).toEqual([]);
  });

  it('gives up after the timeout when a receiver stays silent, and says so', async () => {
    const { log, warnings } = silentLog();
    const confirmations = createConfirmations({ instanceId: 'me', timeoutMs: 20, log });
    await confirmations.confirmRevocation(
      async () => ({ value: undefined, revokedIds: ['s1'], receivers: 3 }),
      () => {},
    );
    expect(warnings).toEqual(['session store: 0 of 3 instances confirmed a revocation within 20 ms']);
  });

  it('waits for nobody when nothing was revoked, and forgets the notice when the write fails', async () => {
    const confirmations = createConfirmations({ instanceId: 'me', timeoutMs: 60_000 });
    await expect(confirmations.confirmRevocation(async () => ({ value: 1, revokedIds: [], receivers: 5 }), () => {})).resolves.toBe(1);
    const failure = new Error('engine down');
    await expect(confirmations.confirmRevocation(async () => Promise.reject(failure), () => {})).rejects.toBe(failure);
  });
});
