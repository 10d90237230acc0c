import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, startServerProcess, type ServerProcess } from './support/redis-instances.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';

// Start-up as a deployment does it: several instances at once on a fresh DATA_DIR (they migrate
// the schema once between them), files only their owner can read, links at the port really bound.

let redis: RedisServer;
const dirs: string[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshParent() {
  const dir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-concurrent-'));
  dirs.push(dir);
  return dir;
}

async function startAtOnce(count: number, env: Record<string, string>): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServerProcess(env)));
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  if (failures.length > 0) {
    await Promise.all(servers.map((server) => server.stop()));
    throw new Error(`${failures.length} of ${count} instances did not start:\n${failures.join('\n')}`);
  }
  return servers;
}

describe('instances started at once on a fresh DATA_DIR', () => {
  // Repeated: the race (two instances both adding the same column) only shows some of the time.
  it.each([2, 3, 2, 3, 3])('%i instances all start, and agree on users', async (count) => {
    const dataDir = path.join(await freshParent(), 'data');
    const servers = await startAtOnce(count, { DATA_DIR: dataDir, REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('start'), ATTACK_LAB: 'false' });
    try {
      const username = `start_${count}_${Date.now()}`;
      expect((await callApi(servers[0]!, 'POST', '/api/auth/register', { body: { username, password: 'correct horse battery' } })).status).toBe(201);
      for (const server of servers) {
        const login = await callApi(server, 'POST', '/api/auth/login', { body: { username, password: 'correct horse battery', mode: 'header' } });
        expect(login.status).toBe(200);
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  }, 60_000);
});

describe('DATA_DIR', () => {
  // With sessions in SQLite the process holds the file exclusively and SQLite keeps no -shm file.
  it.each([
    ['SQLite', () => ({}), ['jwt-lab.db-wal']],
    ['Redis', () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('modes') }), ['jwt-lab.db-wal', 'jwt-lab.db-shm']],
  ] as const)('holds only owner-only files (0600) in owner-only folders (0700) with %s sessions, and links point at the port bound with PORT=0', async (_store, storeEnv, walFiles) => {
    const dataDir = path.join(await freshParent(), 'data');
    const [server] = await startAtOnce(1, { DATA_DIR: dataDir, JWT_ALG: 'ES256', ATTACK_LAB: 'false', ...storeEnv() });
    try {
      const username = `modes_${Date.now()}`;
      const registered = await callApi(server!, 'POST', '/api/auth/register', { body: { username, password: 'correct horse battery', email: `${username}@example.test` } });
      expect(registered.status).toBe(201);
      let messages: Array<{ link: string }> = [];
      for (let i = 0; i < 100 && messages.length === 0; i++) {
        messages = ((await callApi(server!, 'GET', '/api/outbox')).body as { messages: Array<{ link: string }> }).messages;
        if (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(messages[0]?.link).toMatch(new RegExp(`^http://localhost:${server!.port}/#verify-email\\?token=`));

      const modes: Record<string, string> = {};
      const walk = async (dir: string) => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          modes[path.relative(dataDir, full)] = ((await stat(full)).mode & 0o777).toString(8);
          if (entry.isDirectory()) await walk(full);
        }
      };
      modes['.'] = ((await stat(dataDir)).mode & 0o777).toString(8);
      await walk(dataDir);
      expect(Object.keys(modes)).toEqual(expect.arrayContaining(['.', 'jwt-lab.db', ...walFiles, 'keys', 'keys/es256.keyring.json', 'outbox', expect.stringMatching(/^outbox\/.+\.json$/)]));
      for (const [name, mode] of Object.entries(modes)) {
        const isDir = ['.', 'keys', 'outbox'].includes(name);
        expect(mode, name).toBe(isDir ? '700' : '600');
      }
    } finally {
      await server!.stop();
    }
  }, 60_000);
});
