import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JwtAlgorithm } from '@jwt-lab/shared';
import type { KeyStorage, StoredDocument } from './key-storage.js';
import { KeyRingError, keyRingName, parseStoredKeyRing, type StoredKeyRing } from './stored-key-ring.js';

/** One file per document under DATA_DIR/keys, mode 0600 (the folder 0700). */
export function createFileKeyStorage(dataDir: string) {
  const fileOf = (name: string) => documentFile(dataDir, name);

  async function read(name: string): Promise<StoredDocument | undefined> {
    const file = fileOf(name);
    const text = await readTextIfPresent(file);
    if (text === undefined) return undefined;
    try {
      return { document: JSON.parse(text), version: await fileVersion(file) };
    } catch {
      throw new KeyRingError(`${file} is not JSON; restore it from a backup, or move it away to start with a new key`);
    }
  }

  return {
    describe: fileOf,
    read,
    async readOrCreate(name, create) {
      const existing = await read(name);
      if (existing) return existing;
      const file = fileOf(name);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      try {
        // 'wx': two instances starting at once on one DATA_DIR: the first writer wins, the other reads it.
        await writeFile(file, JSON.stringify(await create(), null, 2), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return (await read(name))!;
    },
    async update(name, change) {
      const file = fileOf(name);
      await writeDocument(file, await change((await read(name))?.document));
      return (await read(name))!;
    },
    version: (name) => fileVersion(fileOf(name)),
  } satisfies KeyStorage;
}

const documentFile = (dataDir: string, name: string) => path.join(dataDir, 'keys', `${name}.json`);

/** The file's text, or undefined when there is no such file; any other failure is thrown. */
async function readTextIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces the file in one step (write aside, then rename), so a reader never sees half a document. */
async function writeDocument(file: string, document: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(document, null, 2), { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

/** Changes whenever the file is replaced (rename gives a new inode) or rewritten. */
async function fileVersion(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.ino}:${info.mtimeMs}:${info.size}` : 'missing';
}

// For tests and tools that handle the keyring file of a DATA_DIR directly.

export const keyRingFile = (dataDir: string, alg: JwtAlgorithm) => documentFile(dataDir, keyRingName(alg));

export async function readStoredKeyRing(file: string): Promise<StoredKeyRing | undefined> {
  const text = await readTextIfPresent(file);
  return text === undefined ? undefined : parseStoredKeyRing(JSON.parse(text), file);
}

export const writeStoredKeyRing = (file: string, ring: StoredKeyRing) => writeDocument(file, ring);
