// pnpm bench: our protected route against two reference servers, measured side by side in one run.
// docs/performance.md says how to run it and what the numbers mean.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPrivate, newAccount, prepareCredentials, register, type Credentials } from './accounts.js';
import { signHs256 } from './hs256.js';
import { closeConnections, request } from './http.js';
import { runLoad } from './load.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { measureInitialJs, type InitialJs } from './page-weight.js';
import { detectPinning, isStopping, stopAllProcesses, stopChildrenOnExit, type Pinning } from './processes.js';
import { deleteKeysWithPrefix } from './redis.js';
import { formatBudgets, formatTable, judgeBudgets, summarise, writeJson, type BudgetInputs, type TargetRuns } from './report.js';
import { measureRevocationPropagation } from './revocation.js';
import { runSideBySide } from './side-by-side.js';
import { SERVER_ENTRY, startJwtLab, startReference, type JwtLabInstance, type RunningServer, type ServerContext } from './servers.js';
import { loginTarget, privateRouteTargets, referenceTargets, type Store, type Target } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// One login at a time: its latency is then the cost of one password check, and req/s its
// inverse; more connections on one pinned core would only queue behind scrypt.
const LOGIN_CONNECTIONS = 1;

const log = (line: string) => console.log(line);
const newSecret = () => randomBytes(48).toString('base64url');

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), process.env, path.join(REPO_ROOT, 'bench-results', 'latest.json'));
  if (options === 'help') {
    log(USAGE);
    return 0;
  }
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${path.relative(REPO_ROOT, SERVER_ENTRY)} is missing: run pnpm build first`);
  const pinning = detectPinning();
  const workDir = mkdtempSync(path.join(tmpdir(), 'jwt-lab-bench-'));
  const redisKeyPrefix = `jwt-lab-bench-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const cleanup = async () => {
    rmSync(workDir, { recursive: true, force: true });
    if (options.redisUrl) await deleteKeysWithPrefix(options.redisUrl, redisKeyPrefix).catch((error: unknown) => log(`could not delete Redis keys ${redisKeyPrefix}*: ${String(error)}`));
  };
  stopChildrenOnExit(cleanup);

  log(`JWT Lab bench${options.quick ? ' (--quick: a smoke run, not a measurement)' : ''}: ${options.rounds} round(s) x ${options.durationSec} s per target, ${options.connections} connections`);
  log(`${availableParallelism()} cores, Node ${process.version}; ${pinning.description}`);
  log(`measuring the built server ${path.relative(REPO_ROOT, SERVER_ENTRY)} (built ${statSync(SERVER_ENTRY).mtime.toLocaleString()})`);
  try {
    return await measure(options, pinning, { cpu: pinning.serverCpu, workDir }, redisKeyPrefix);
  } finally {
    await stopAllProcesses();
    closeConnections();
    await cleanup();
  }
}

async function measure(options: BenchOptions, pinning: Pinning, context: ServerContext, redisKeyPrefix: string): Promise<number> {
  const initialJs = measureInitialJsOrError();
  const coldStartsMs = await measureColdStarts(options.coldStarts, context);
  log(`cold start (spawn to first 200): ${coldStartsMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);

  const referenceSecret = newSecret();
  const bare = await startReference('bare', referenceSecret, context);
  const fastifyJwt = await startReference('fastify-jwt', referenceSecret, context);
  const referenceToken = signHs256(referenceSecret, 3600);
  if ((await getPrivate(fastifyJwt.url, { authorization: `Bearer ${referenceToken}` })).status !== 200) throw new Error('the @fastify/jwt reference refused its token');
  const references = (store: Store) => referenceTargets(store, bare, fastifyJwt, referenceToken);

  // One phase per store, each with only its own instance of ours running beside the references:
  // with both instances up at once, whichever started second measured about 12% slower, whatever
  // its store (docs/performance.md), which is the bench measuring itself, not the store.
  const sqlite = await startJwtLab({ name: 'jwt-lab sqlite', dataDir: path.join(context.workDir, 'sqlite'), jwtSecret: newSecret() }, context);
  log('sqlite phase: preparing accounts (register and logins run scrypt at the default cost: a few seconds)');
  const sqliteCredentials = await prepareCredentials(sqlite.url);
  const sqliteRuns = await measurePhase(references('sqlite'), privateRouteTargets('sqlite', sqlite, sqliteCredentials), options, pinning.loadCpu);
  const cacheStats: Record<string, CacheStats | null> = { sqlite: await readCacheStats(sqlite.url) };
  const login = loginTarget(sqlite, sqliteCredentials);
  log(`${login.label}: one run of ${options.loginDurationSec} s, ${LOGIN_CONNECTIONS} connection`);
  const loginRun = await runLoad({ ...login.load, connections: LOGIN_CONNECTIONS, durationSec: options.loginDurationSec }, pinning.loadCpu);
  await sqlite.stop();

  const redis = await startRedisInstance(options, context, redisKeyPrefix);
  const redisRuns: TargetRuns[] = [];
  if (redis.server) {
    log('redis phase: preparing accounts');
    redisRuns.push(...(await measurePhase(references('redis'), privateRouteTargets('redis', redis.server, await prepareCredentials(redis.server.url)), options, pinning.loadCpu)));
    cacheStats.redis = await readCacheStats(redis.server.url);
  }
  for (const [store, stats] of Object.entries(cacheStats)) log(`verified-token cache (${store}): ${stats ? `${stats.hits} hits, ${stats.misses} misses, ${stats.size}/${stats.capacity} entries` : 'no counts (/api/metrics not served)'}`);

  // The references are done: the propagation check gets core 0 to itself.
  await Promise.all([bare.stop(), fastifyJwt.stop()]);
  const propagation = await measurePropagation(options, context, redis);

  const all: TargetRuns[] = [...sqliteRuns, ...redisRuns, { target: login, alone: loginRun, comparisons: [] }];
  const rows = summarise(all);
  const budgets = judgeBudgets({ rows, coldStartsMs, initialJs, propagation });
  const failed = budgets.filter((budget) => budget.verdict === 'FAIL');

  log('');
  log(formatTable(rows));
  log('');
  log(formatBudgets(budgets));
  writeJson(options.outFile, {
    generatedAt: new Date().toISOString(),
    commit: gitDescribe(),
    machine: { cores: availableParallelism(), node: process.version, pinning: pinning.description },
    options: { ...options, redisUrl: options.redisUrl ? 'set' : 'unset' },
    rows,
    runs: Object.fromEntries(all.map(({ target, alone, comparisons }) => [target.id, { alone, comparisons }])),
    coldStartsMs,
    initialJs,
    revocationPropagation: propagation,
    verifiedTokenCache: cacheStats,
    budgets,
    pass: failed.length === 0,
  });
  log('');
  const shownOutFile = path.relative(REPO_ROOT, options.outFile);
  log(`results written to ${shownOutFile.startsWith('..') ? options.outFile : shownOutFile}`);
  if (options.quick) log('--quick: one short round; run pnpm bench without it before quoting any number');
  log(failed.length === 0 ? 'every budget met' : `${failed.length} budget(s) missed`);
  return failed.length === 0 ? 0 : 1;
}

interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  capacity: number;
}

/** The server's own hit and miss counts: proof that the load hit the cache, when the build exposes them. */
async function readCacheStats(serverUrl: string): Promise<CacheStats | null> {
  const answer = await request(`${serverUrl}/api/metrics`).catch(() => null);
  const stats = (answer?.status === 200 ? (answer.body as { verifiedTokenCache?: CacheStats }).verifiedTokenCache : undefined) ?? null;
  return stats && typeof stats.hits === 'number' && typeof stats.misses === 'number' ? stats : null;
}

/** A missing web build is a failed budget in the table, not a reason to skip the server measurements. */
function measureInitialJsOrError(): InitialJs | Error {
  try {
    return measureInitialJs();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Separate starts, each in a fresh data dir (the key is generated, the schema created), before anything else of ours runs. */
async function measureColdStarts(count: number, context: ServerContext): Promise<number[]> {
  const startsMs: number[] = [];
  for (let start = 0; start < count; start++) {
    const server = await startJwtLab({ name: `cold start ${start + 1}`, dataDir: path.join(context.workDir, `cold-${start}`), jwtSecret: newSecret() }, context);
    startsMs.push(server.startMs);
    await server.stop();
  }
  return startsMs;
}

/**
 * A discarded warm-up per target; one run of each alone (the table's req/s and p99, each server
 * with the core to itself); then the rounds, each of our targets once per round beside both
 * references (side-by-side.ts), which is where the ratios come from.
 */
async function measurePhase(references: [bare: Target, fastifyJwt: Target], ours: Target[], options: BenchOptions, loadCpu: number | null): Promise<TargetRuns[]> {
  const [bareTarget, fastifyJwtTarget] = references;
  const load = (target: Target, durationSec: number) => runLoad({ ...target.load, connections: options.connections, durationSec }, loadCpu);
  log(`warm-up: ${options.warmupSec} s per target`);
  for (const target of [...references, ...ours]) await load(target, options.warmupSec);

  const runs = new Map<Target, TargetRuns>();
  for (const target of [...references, ...ours]) {
    const alone = await load(target, options.durationSec);
    runs.set(target, { target, alone, comparisons: [] });
    log(`alone      ${target.label.padEnd(50)} ${Math.round(alone.requestsPerSec).toString().padStart(6)} req/s  p99 ${alone.p99Ms} ms`);
  }

  const ratio = (value: number) => `${value.toFixed(2)}x`.padStart(6);
  for (let round = 0; round < options.rounds; round++) {
    for (const target of ours) {
      const comparison = await runSideBySide(target, references, options.connections, options.durationSec, loadCpu);
      const { bare, fastifyJwt } = comparison;
      runs.get(target)!.comparisons.push(comparison);
      runs.get(bareTarget)!.comparisons.push({ ...comparison, target: bare });
      runs.get(fastifyJwtTarget)!.comparisons.push({ ...comparison, target: fastifyJwt });
      log(`round ${`${round + 1}/${options.rounds}`.padEnd(5)} ${target.label.padEnd(50)} ${ratio(comparison.target.efficiency / bare.efficiency)} bare ${ratio(comparison.target.efficiency / fastifyJwt.efficiency)} @fastify/jwt`);
    }
  }
  return [...runs.values()];
}

interface RedisInstance {
  server: RunningServer | null;
  instance: JwtLabInstance | null;
  /** Why there are no Redis targets. */
  reason: string;
}

/** A second instance of our server on the Redis store, when REDIS_URL says where one is. */
async function startRedisInstance(options: BenchOptions, context: ServerContext, keyPrefix: string): Promise<RedisInstance> {
  if (!options.redisUrl) return { server: null, instance: null, reason: 'REDIS_URL is not set' };
  const instance: JwtLabInstance = { name: 'jwt-lab redis A', dataDir: path.join(context.workDir, 'redis'), jwtSecret: newSecret(), redis: { url: options.redisUrl, keyPrefix } };
  const server = await startJwtLab(instance, context);
  const health = await request(`${server.url}/api/health`);
  const store = (health.body as { store?: unknown } | undefined)?.store;
  if (store !== 'redis') {
    await server.stop();
    const reason = `REDIS_URL is set but the built server answers store=${String(store)}: no Redis store in this build`;
    log(reason);
    return { server: null, instance: null, reason };
  }
  return { server, instance, reason: '' };
}

async function measurePropagation(options: BenchOptions, context: ServerContext, redis: RedisInstance): Promise<BudgetInputs['propagation']> {
  if (!options.redisUrl) return { skipped: 'REDIS_URL is not set' };
  if (!redis.server || !redis.instance) return { failed: redis.reason };
  // Instance B shares A's data dir, secret and key prefix: two replicas of one deployment.
  const instanceB = await startJwtLab({ ...redis.instance, name: 'jwt-lab redis B' }, context);
  try {
    const account = newAccount();
    await register(redis.server.url, account);
    log(`cross-instance revocation: ${options.revocationTrials} trial(s)`);
    return await measureRevocationPropagation(redis.server.url, instanceB.url, account, options.revocationTrials);
  } catch (error) {
    return { failed: (error as Error).message };
  } finally {
    await Promise.all([instanceB.stop(), redis.server.stop()]);
  }
}

function gitDescribe(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'apps', 'packages'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head || 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    // After Ctrl-C the interrupted load run fails too; the signal handler has said why already.
    if (isStopping()) return;
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAllProcesses();
    process.exit(2);
  },
);
