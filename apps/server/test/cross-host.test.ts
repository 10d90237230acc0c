import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeProtectedHeader } from 'jose';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNetwork, netnsUnavailable, type TestNetwork } from './support/netns.js';
import { databaseUrl, startPostgresCluster, type PostgresCluster } from './support/postgres.js';
import { callApi, startServerProcess, type ServerProcess } from './support/redis-instances.js';
import { freePort, startRedisServer, uniqueKeyPrefix, type RedisServer } from './support/redis-server.js';

// Two server processes as two hosts: each in a network namespace of its own (own addresses, own
// loopback, own ports), each with its own DATA_DIR, sharing nothing but one PostgreSQL (a cluster
// of this test's own, which it stops and starts) and, in the second variant, one Redis. What a
// deployment on several machines needs: accounts, sessions, revocations and signing keys agree
// without a shared disk. Where namespaces cannot be made, the same flow runs on loopback.

const run = promisify(execFile);
const SERVER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PASSWORD = 'correct horse battery';
const APP_PORT = 3000;

const unavailable = await netnsUnavailable();
if (unavailable) console.info(`cross-host: network namespaces unavailable (${unavailable}); running the same flow on loopback`);

interface Deployment {
  cluster: PostgresCluster;
  redis: RedisServer | undefined;
  network: TestNetwork | undefined;
  /** Each instance's own view of the database URL (its address of the database host). */
  databaseUrl: string;
  a: ServerProcess;
  b: ServerProcess;
  dataDirs: string[];
  /** Runs `pnpm keys` as host A would. */
  keys(command: 'rotate' | 'list'): Promise<string>;
}

async function deploy(withRedis: boolean): Promise<Deployment> {
  const network = unavailable ? undefined : await createTestNetwork(2);
  const dbHost = network?.gateway ?? '127.0.0.1';
  const deployment: Partial<Deployment> = { network, dataDirs: [] };
  try {
    const cluster = await startPostgresCluster({ addresses: [dbHost], port: await freePort(), trustNetworks: network ? [network.cidr] : [] });
    deployment.cluster = cluster;
    const admin = new Client({ connectionString: cluster.url('postgres', dbHost) });
    await admin.connect();
    await admin.query('CREATE DATABASE jwtlab').finally(() => admin.end());
    const url = databaseUrl(cluster.url('postgres', dbHost), 'jwtlab');
    deployment.databaseUrl = url;
    const redis = withRedis ? await startRedisServer({ bind: [dbHost] }) : undefined;
    deployment.redis = redis;
    const shared = {
      DATABASE_URL: url,
      JWT_ALG: 'ES256',
      REGISTER_LIMIT: '1000',
      ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix('cross-host') } : {}),
    };
    const start = async (index: number) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-host-'));
      deployment.dataDirs!.push(dataDir);
      const host = network?.hosts[index];
      // In a namespace each host has its own ports: both listen on 3000, as two machines would.
      const env = host
        ? { ...shared, DATA_DIR: dataDir, HOST: host.address, PORT: String(APP_PORT), PUBLIC_URL: `http://${host.address}:${APP_PORT}` }
        : { ...shared, DATA_DIR: dataDir };
      return startServerProcess(env, 30_000, { wrap: host?.wrap ?? [] });
    };
    // Started together on an empty database: migrations and the first keyring are made once.
    [deployment.a, deployment.b] = await Promise.all([start(0), start(1)]);
    deployment.keys = async (command) => {
      const [program, ...args] = [...(network?.hosts[0]?.wrap ?? []), process.execPath, '--conditions=@jwt-lab/source', '--import', 'tsx', 'src/cli/keys.ts', command];
      const { stdout } = await run(program, args, { cwd: SERVER_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: url, JWT_ALG: 'ES256' } });
      return stdout;
    };
    return deployment as Deployment;
  } catch (error) {
    await dispose(deployment);
    throw error;
  }
}

async function dispose(deployment: Partial<Deployment>) {
  await Promise.all([deployment.a?.stop(), deployment.b?.stop()]);
  await deployment.redis?.dispose();
  await deployment.cluster?.dispose();
  await deployment.network?.dispose();
  await Promise.all((deployment.dataDirs ?? []).map((dir) => rm(dir, { recursive: true, force: true })));
}

const newUsername = () => `host_${Math.random().toString(36).slice(2, 12)}`;

function expectRefused(answer: Awaited<ReturnType<typeof callApi>>, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(401);
  expect(answer.body?.error).toBe(code);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe.each([
  { variant: 'PostgreSQL', withRedis: false, store: 'postgres' },
  { variant: 'PostgreSQL and Redis', withRedis: true, store: 'postgres+redis' },
])('two hosts on one $variant', ({ withRedis, store }) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(withRedis);
  }, 90_000);
  afterAll(async () => {
    if (d) await dispose(d);
  }, 60_000);

  const register = async (server: ServerProcess, username = newUsername()) => {
    const answer = await callApi(server, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return username;
  };
  const login = async (server: ServerProcess, username: string) => {
    const answer = await callApi(server, 'POST', '/api/auth/login', { body: { username, password: PASSWORD, mode: 'header' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as { accessToken: string; refreshToken: string };
  };
  const privateData = (server: ServerProcess, token: string) => callApi(server, 'GET', '/api/private', { token });

  it('both hosts start on the shared stores, each at its own address, and say so', async () => {
    for (const server of [d.a, d.b]) {
      expect(server.readyLine).toContain(`(store: ${store},`);
      const health = await callApi(server, 'GET', '/api/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', store });
    }
    if (d.network) expect(new Set([d.a.url, d.b.url]).size).toBe(2);
  });

  it('registers on one host, logs in on the other, and each accepts the other’s tokens', async () => {
    const username = await register(d.a);
    const { accessToken } = await login(d.b, username);
    for (const server of [d.a, d.b]) expect((await privateData(server, accessToken)).body).toMatchObject({ user: { username }, via: 'header' });
  });

  it('refuses on one host a session logged out on the other, from the next request (within 50 ms)', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [home, other] = i % 2 ? [d.a, d.b] : [d.b, d.a];
      const { accessToken } = await login(home, await register(home));
      expect((await privateData(other, accessToken)).status).toBe(200);
      expect((await callApi(home, 'POST', '/api/auth/logout', { token: accessToken })).status).toBe(204);
      const loggedOutAt = performance.now();
      expectRefused(await privateData(other, accessToken), 'token_revoked');
      latencies.push(performance.now() - loggedOutAt);
    }
    console.info(`cross-host (${store}): logout answered → refusal from the other host in ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(50);
  });

  it('ends on one host a session revoked from the sessions list on the other', async () => {
    const username = await register(d.a);
    const stolen = await login(d.a, username);
    const mine = await login(d.b, username);
    const listed = await callApi(d.b, 'GET', '/api/auth/sessions', { token: mine.accessToken });
    const sessions = (listed.body as { sessions: Array<{ id: string; current: boolean }> }).sessions;
    expect(sessions).toHaveLength(2);
    const target = sessions.find((session) => !session.current)!;
    const revoked = await fetch(`${d.b.url}/api/auth/sessions/${target.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${mine.accessToken}` } });
    expect(revoked.status).toBe(204);
    expectRefused(await privateData(d.a, stolen.accessToken), 'token_revoked');
    expect((await privateData(d.a, mine.accessToken)).status).toBe(200);
  });

  it('signs with a key rotated on one host, and the other verifies it (no shared disk, no restart)', async () => {
    const username = await register(d.a);
    const before = await login(d.a, username);
    const output = await d.keys('rotate');
    const newKid = /New tokens carry kid (\S+)\./.exec(output)?.[1];
    expect(newKid, output).toBeDefined();
    expect(decodeProtectedHeader(before.accessToken).kid).not.toBe(newKid);

    // Host A re-reads the keyring from the database within its 5 s reload interval.
    const deadline = performance.now() + 10_000;
    let after = await login(d.a, username);
    while (decodeProtectedHeader(after.accessToken).kid !== newKid) {
      expect(performance.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await login(d.a, username);
    }
    // Host B meets a kid it has not loaded yet and reads the keyring at once.
    expect((await privateData(d.b, after.accessToken)).status).toBe(200);
    for (const server of [d.a, d.b]) expect((await privateData(server, before.accessToken)).status).toBe(200);
    const jwks = await callApi(d.b, 'GET', '/.well-known/jwks.json');
    expect((jwks.body as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid)).toContain(newKid);
  }, 30_000);

  it('fails closed while PostgreSQL is down (never 200 for a revoked token), and recovers when it is back', async () => {
    const kept = await login(d.a, await register(d.a));
    const revoked = await login(d.b, await register(d.b));
    for (const server of [d.a, d.b]) expect((await privateData(server, revoked.accessToken)).status).toBe(200);
    expect((await callApi(d.a, 'POST', '/api/auth/logout', { token: revoked.accessToken })).status).toBe(204);

    await d.cluster.stop('fast');
    const stoppedAt = performance.now();
    const revokedAnswers: number[] = [];
    for (const server of [d.a, d.b]) {
      for (;;) {
        revokedAnswers.push((await privateData(server, revoked.accessToken)).status);
        const health = await callApi(server, 'GET', '/api/health');
        if (health.status === 503) {
          expect(health.body?.error).toBe('store_unavailable');
          break;
        }
        expect(performance.now() - stoppedAt).toBeLessThan(3_000);
      }
      const loginWhileDown = await callApi(server, 'POST', '/api/auth/login', { body: { username: 'nobody_here', password: PASSWORD, mode: 'header' } });
      expect(loginWhileDown.status).toBe(503);
      if (!withRedis) {
        // Sessions live in PostgreSQL: no token is trusted while the view cannot be kept current.
        const answer = await privateData(server, kept.accessToken);
        expect(answer.status).toBe(503);
        expect(answer.body?.error).toBe('store_unavailable');
      }
    }
    console.info(`cross-host (${store}): PostgreSQL stopped → both hosts 503 within ${(performance.now() - stoppedAt).toFixed(0)} ms`);
    expect(revokedAnswers.filter((status) => status !== 401 && status !== 503)).toEqual([]);

    const startedAt = performance.now();
    await d.cluster.start();
    for (const server of [d.a, d.b]) {
      while ((await callApi(server, 'GET', '/api/health')).status !== 200) {
        expect(performance.now() - startedAt).toBeLessThan(15_000);
        expect([401, 503]).toContain((await privateData(server, revoked.accessToken)).status);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    console.info(`cross-host (${store}): PostgreSQL started again → both hosts healthy after ${(performance.now() - startedAt).toFixed(0)} ms`);
    for (const server of [d.a, d.b]) {
      expectRefused(await privateData(server, revoked.accessToken), 'token_revoked');
      expect((await privateData(server, kept.accessToken)).status).toBe(200);
    }
    const fresh = await login(d.b, await register(d.a));
    expect((await privateData(d.a, fresh.accessToken)).status).toBe(200);
  }, 60_000);
});
