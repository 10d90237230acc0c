import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutboxMessage } from '@jwt-lab/shared';

export type OutgoingMessage = Omit<OutboxMessage, 'id' | 'sentAt'>;

/** Where messages to people go. Today a folder; an SMTP transport can implement the same. */
export interface Outbox {
  send(message: OutgoingMessage): Promise<void>;
  /** Newest first; only the file outbox can list, for the page's Outbox region in local runs. */
  list(): Promise<OutboxMessage[]>;
}

/**
 * One JSON file per message under `dir` (DATA_DIR/outbox), readable by the owner only: each holds
 * a live link. File names sort by time, so listing needs no index.
 */
export function createFileOutbox({ dir, now }: { dir: string; now: () => number }) {
  let sequence = 0; // orders messages sent within one millisecond
  return {
    async send(message) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const sentAt = now();
      const id = `${String(sentAt).padStart(15, '0')}-${String(++sequence).padStart(9, '0')}-${randomBytes(4).toString('hex')}`;
      const stored: OutboxMessage = { id, sentAt: new Date(sentAt).toISOString(), ...message };
      await writeFile(path.join(dir, `${id}.json`), JSON.stringify(stored, null, 2), { mode: 0o600 });
    },
    async list() {
      const names = await readdir(dir).catch(() => [] as string[]);
      const newest = names.filter((name) => name.endsWith('.json')).sort().reverse().slice(0, 50);
      return Promise.all(newest.map(async (name) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as OutboxMessage));
    },
  } satisfies Outbox;
}
