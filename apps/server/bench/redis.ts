import { Redis } from 'ioredis';

/** The Redis is shared with other people's tests: scan our own prefix only, never FLUSHALL. */
const MAX_SCAN_STEPS = 10_000;

/** Deletes the keys this run created (all under its own prefix) and returns how many. */
export async function deleteKeysWithPrefix(url: string, keyPrefix: string): Promise<number> {
  if (!/^[\w:.-]+$/.test(keyPrefix)) throw new Error(`refusing to scan with a pattern-like prefix: ${keyPrefix}`);
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    await client.connect();
    let cursor = '0';
    let deleted = 0;
    for (let step = 0; step < MAX_SCAN_STEPS; step++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await client.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return deleted;
  } finally {
    client.disconnect();
  }
}
