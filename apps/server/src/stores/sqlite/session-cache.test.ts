import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRecord, Stores } from '../types.js';
import { createSqliteStores } from './sqlite-stores.js';

// The SQLite session store remembers sessions between requests. These prove it never answers from
// a stale memory: not after its own writes, and not after another process wrote the same file.

const opened: Stores[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((stores) => stores.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function twoProcessesOnOneFile() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-cache-'));
  dirs.push(dataDir);
  // Two connections to one file behave as two server processes sharing a DATA_DIR.
  const a = createSqliteStores({ dataDir });
  const b = createSqliteStores({ dataDir });
  opened.push(a, b);
  const userId = randomUUID();
  await a.users.create({ id: userId, username: `u_${userId.slice(0, 8)}`, passwordHash: 'x', createdAt: 0 });
  const session: SessionRecord = { id: randomUUID(), userId, mode: 'header', csrfToken: 'c', refreshJti: 'j1', createdAt: 0, expiresAt: Date.now() + 60_000, revokedAt: null };
  await a.sessions.create(session);
  return { a, b, session };
}

describe('SQLite session cache', () => {
  it('sees a revocation made by another connection at once', async () => {
    const { a, b, session } = await twoProcessesOnOneFile();
    expect((await b.sessions.find(session.id))?.revokedAt).toBeNull(); // now remembered by b
    await a.sessions.revoke(session.id, 1234);
    expect((await b.sessions.find(session.id))?.revokedAt).toBe(1234);
  });

  it('sees a logout-everywhere and a refresh rotation made by another connection', async () => {
    const { a, b, session } = await twoProcessesOnOneFile();
    await b.sessions.find(session.id);
    expect(await a.sessions.rotateRefreshToken(session.id, 'j1', { jti: 'j2', expiresAt: session.expiresAt }, 1)).toBe('rotated');
    expect((await b.sessions.find(session.id))?.refreshJti).toBe('j2');
    await a.sessions.revokeAllForUser(session.userId, 99);
    expect((await b.sessions.find(session.id))?.revokedAt).toBe(99);
  });

  it('forgets its own writes', async () => {
    const { a, session } = await twoProcessesOnOneFile();
    await a.sessions.find(session.id);
    await a.sessions.revoke(session.id, 5);
    expect((await a.sessions.find(session.id))?.revokedAt).toBe(5);
    await a.sessions.purgeExpired(session.expiresAt + 1);
    expect(await a.sessions.find(session.id)).toBeUndefined();
  });

  it('hands out copies, so a caller cannot change what is remembered', async () => {
    const { a, session } = await twoProcessesOnOneFile();
    const found = (await a.sessions.find(session.id))!;
    found.revokedAt = 42;
    expect((await a.sessions.find(session.id))?.revokedAt).toBeNull();
  });
});
