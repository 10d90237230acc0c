import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { firstMismatch, OutboxMessage } from '@jwt-lab/shared';
import { Value } from 'typebox/value';

export type OutgoingMessage = Omit<OutboxMessage, 'id' | 'sentAt'>;

/** Where messages to people go. Today a folder; an SMTP transport can implement the same. */
export interface Outbox {
  send(message: OutgoingMessage): Promise<void>;
  /** Newest first; only the file outbox can list, for the page's Outbox region in local runs. */
  list(): Promise<OutboxMessage[]>;
}

export interface FileOutboxOptions {
  dir: string;
  now: () => number;
  /** Told about each file in the folder that is not a message (it is left out of the list). */
  onBadFile?: (problem: string) => void;
}

const LISTED = 50;

/** The message a file holds, or a sentence saying why it holds none. */
export function parseOutboxFile(name: string, text: string): OutboxMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `outbox file ${name} is not JSON; it is left out of the outbox`;
  }
  if (Value.Check(OutboxMessage, value)) return value;
  return `outbox file ${name} is not a message (${firstMismatch(OutboxMessage, value, 'the file')}); it is left out of the outbox`;
}

/**
 * One JSON file per message under `dir` (DATA_DIR/outbox), readable by the owner only: each holds
 * a live link. File names sort by time, so listing needs no index. The files are read back as
 * untrusted input: parsed with the shared schema, and a file that does not fit is refused.
 */
export function createFileOutbox({ dir, now, onBadFile = () => {} }: FileOutboxOptions) {
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
      const newest = names.filter((name) => name.endsWith('.json')).sort().reverse().slice(0, LISTED);
      const parsed = await Promise.all(newest.map(async (name) => parseOutboxFile(name, await readFile(path.join(dir, name), 'utf8'))));
      return parsed.filter((entry): entry is OutboxMessage => {
        if (typeof entry === 'string') onBadFile(entry);
        return typeof entry !== 'string';
      });
    },
  } satisfies Outbox;
}
