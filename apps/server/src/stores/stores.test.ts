import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { startRedisServer, uniqueKeyPrefix, type RedisServer } from '../../test/support/redis-server.js';
import { createStores } from './create-stores.js';
import { createMemoryAttemptStore, createMemorySeenProofStore, createMemorySessionStore, createMemorySpentLinkStore, createMemoryUserStore } from './memory/memory-stores.js';
import { createSqliteStores } from './sqlite/sqlite-stores.js';
import { describeStoreContract } from './store-contract.js';

// The one adapter suite, run against every engine: memory, a SQLite file, a real redis-server, and
// the real PostgreSQL server (a database of its own per suite, dropped at the end).

const tempDirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-stores-'));
  tempDirs.push(dir);
  return dir;
};

let redis: RedisServer;
const databases: TestDatabase[] = [];
const testDatabase = async () => {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
};
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
  await Promise.all(databases.map((database) => database.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeStoreContract('memory', async () => ({
  users: createMemoryUserStore(),
  links: createMemorySpentLinkStore(),
  proofs: createMemorySeenProofStore(),
  sessions: createMemorySessionStore(),
  attempts: createMemoryAttemptStore(),
  close: async () => {},
}));

describeStoreContract('SQLite', async () => createSqliteStores({ dataDir: await tempDir() }));

describeStoreContract('Redis (users in SQLite)', async () =>
  createStores({ dataDir: await tempDir(), redisUrl: redis.url, redisKeyPrefix: uniqueKeyPrefix('contract'), accessTokenTtl: 900, databaseUrl: undefined }),
);

describeStoreContract('PostgreSQL', async () =>
  createStores({ dataDir: await tempDir(), redisUrl: undefined, redisKeyPrefix: 'unused:', accessTokenTtl: 900, databaseUrl: await testDatabase() }),
);

describeStoreContract('Redis (users in PostgreSQL)', async () =>
  createStores({ dataDir: await tempDir(), redisUrl: redis.url, redisKeyPrefix: uniqueKeyPrefix('contract-pg'), accessTokenTtl: 900, databaseUrl: await testDatabase() }),
);
