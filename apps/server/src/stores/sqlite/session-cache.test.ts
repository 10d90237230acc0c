import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config.js';
import type { SessionRecord, Stores } from '../types.js';
import { createSqliteStores } from './sqlite-stores.js';

// The SQLite session store remembers sessions between requests. These prove it never answers from
// a stale memory: its own writes forget what they change, and no other process can write the file.

const opened: Stores[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((stores) => stores.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDataDir() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-cache-'));
  dirs.push(dataDir);
  return dataDir;
}

function open(dataDir: string, exclusive?: boolean) {
  const stores = createSqliteStores({ dataDir, ...(exclusive === undefined ? {} : { exclusive }) });
  opened.push(stores);
  return stores;
}

async function storedSession(stores: Stores): Promise<SessionRecord> {
  const userId = randomUUID();
  await stores.users.create({ id: userId, username: `u_${userId.slice(0, 8)}`, passwordHash: 'x', createdAt: 0 });
  const session: SessionRecord = { id: randomUUID(), userId, mode: 'header', csrfToken: 'c', refreshJti: 'j1', createdAt: 0, expiresAt: Date.now() + 60_000, revokedAt: null, device: 'curl', ip: '127.0.0.1', lastUsedAt: 0 };
  await stores.sessions.create(session);
  return session;
}

describe('SQLite session memory', () => {
  it('forgets what its own writes change: revoke, rotate, revoke all, purge', async () => {
    const stores = open(await newDataDir());
    const session = await storedSession(stores);
    await stores.sessions.find(session.id); // now remembered
    await stores.sessions.revoke(session.id, 5);
    expect((await stores.sessions.find(session.id))?.revokedAt).toBe(5);

    const other = await storedSession(stores);
    await stores.sessions.find(other.id);
    expect(await stores.sessions.rotateRefreshToken(other.id, 'j1', { jti: 'j2', expiresAt: other.expiresAt }, 1)).toBe('rotated');
    expect((await stores.sessions.find(other.id))?.refreshJti).toBe('j2');
    await stores.sessions.revokeAllForUser(other.userId, 99);
    expect((await stores.sessions.find(other.id))?.revokedAt).toBe(99);

    await stores.sessions.purgeExpired(other.expiresAt + 1);
    expect(await stores.sessions.find(other.id)).toBeUndefined();
  });

  it('hands out copies, so a caller cannot change what is remembered', async () => {
    const stores = open(await newDataDir());
    const session = await storedSession(stores);
    const found = (await stores.sessions.find(session.id))!;
    found.revokedAt = 42;
    expect((await stores.sessions.find(session.id))?.revokedAt).toBeNull();
  });

  it('owns its file: a second process on the same DATA_DIR is refused with a line naming DATA_DIR', async () => {
    const dataDir = await newDataDir();
    open(dataDir);
    let refusal: unknown;
    try {
      open(dataDir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).variable).toBe('DATA_DIR');
    expect((refusal as Error).message).toMatch(/in use by another JWT Lab process.*REDIS_URL/);
  }, 10_000);

  it('lets the file go on close, so a restart opens it again', async () => {
    const dataDir = await newDataDir();
    const first = open(dataDir);
    const session = await storedSession(first);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    expect((await open(dataDir).sessions.find(session.id))?.id).toBe(session.id);
  });

  it('with Redis (users only here), instances share the file', async () => {
    const dataDir = await newDataDir();
    const a = open(dataDir, false);
    const b = open(dataDir, false);
    const userId = randomUUID();
    await a.users.create({ id: userId, username: `shared_${userId.slice(0, 8)}`, passwordHash: 'x', createdAt: 0 });
    expect((await b.users.findById(userId))?.id).toBe(userId);
  });
});
