// pnpm bench: our protected route against reference servers, login capacity against a loop of
// scrypt, a login burst. docs/performance.md says how to run it and what the numbers mean.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthResponse, MetricsResponse } from '@jwt-lab/shared';
import { Value } from 'typebox/value';
import { getPrivate, newAccount, prepareCredentials, register, type Credentials } from './accounts.js';
import { BURST_LOGINS, prepareBurstAccounts, runBurst, type BurstResult } from './burst.js';
import { signHs256 } from './hs256.js';
import { closeConnections, parseBody, request } from './http.js';
import { measureLoginCapacity } from './login-capacity.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { detectPinning, isStopping, pinThisProcess, stopAllProcesses, stopChildrenOnExit, type Pinning } from './processes.js';
import { publishResults, renderFull } from './publish.js';
import { deleteKeysWithPrefix } from './redis.js';
import { judgeBudgets, RESULTS_FORMAT, summarise, summariseLoginCapacity, writeJson, type BenchResults, type TargetRuns } from './report.js';
import { measureRevocationPropagation } from './revocation.js';
import { measureSample, runAloneRound, runSideBySide } from './rounds.js';
import { SERVER_ENTRY, startJwtLab, startReference, type JwtLabInstance, type RunningServer, type ServerContext } from './servers.js';
import { loginTarget, privateRouteTargets, referenceTargets, sameCostsTarget, type Store, type Target } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const log = (line: string) => console.log(line);
const newSecret = () => randomBytes(48).toString('base64url');
const ratio = (value: number) => `${value.toFixed(2)}x`.padStart(6);

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), process.env, path.join(REPO_ROOT, 'bench-results', 'latest.json'));
  if (options === 'help') {
    log(USAGE);
    return 0;
  }
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${path.relative(REPO_ROOT, SERVER_ENTRY)} is missing: run pnpm build first`);
  const pinning = detectPinning();
  const cores = availableParallelism(); // before pinning: from then on this process sees one
  pinThisProcess(pinning.loadCpu);
  const workDir = mkdtempSync(path.join(tmpdir(), 'jwt-lab-bench-'));
  const redisKeyPrefix = `jwt-lab-bench-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const cleanup = async () => {
    rmSync(workDir, { recursive: true, force: true });
    if (options.redisUrl) await deleteKeysWithPrefix(options.redisUrl, redisKeyPrefix).catch((error: unknown) => log(`could not delete Redis keys ${redisKeyPrefix}*: ${String(error)}`));
  };
  stopChildrenOnExit(cleanup);

  log(`JWT Lab bench${options.quick ? ' (--quick: a smoke run, not a measurement)' : ''}: ${options.rounds} round(s) x ${options.durationSec} s per target`);
  log(`${cores} cores, Node ${process.version}; ${pinning.description}`);
  log(`measuring the built server ${path.relative(REPO_ROOT, SERVER_ENTRY)} (built ${statSync(SERVER_ENTRY).mtime.toLocaleString()})`);
  try {
    return await measure(options, { cores, node: process.version, pinning: pinning.description }, pinning, { cpu: pinning.serverCpu, workDir }, redisKeyPrefix);
  } finally {
    await stopAllProcesses();
    closeConnections();
    await cleanup();
  }
}

async function measure(options: BenchOptions, machine: BenchResults['machine'], pinning: Pinning, context: ServerContext, redisKeyPrefix: string): Promise<number> {
  const coldStarts = await measureColdStarts(options.coldStarts, context);
  log(`cold start (spawn to first 200): ${coldStarts.map(({ wallMs, cpuMs }) => `${wallMs.toFixed(0)} ms (${cpuMs?.toFixed(0) ?? '?'} ms of CPU)`).join(', ')}`);

  const referenceSecret = newSecret();
  const bare = await startReference('bare', {}, context);
  const fastifyJwt = await startReference('fastify-jwt', { BENCH_JWT_SECRET: referenceSecret }, context);
  const referenceToken = signHs256(referenceSecret, 3600);
  if ((await getPrivate(fastifyJwt.url, { authorization: `Bearer ${referenceToken}` })).status !== 200) throw new Error('the @fastify/jwt reference refused its token');
  const references = (store: Store) => referenceTargets(store, bare, fastifyJwt, referenceToken);

  // One phase per store, each with only its own instance of ours running beside the references:
  // with both instances up at once, whichever started second measured about 12% slower, whatever
  // its store (docs/performance.md), which is the bench measuring itself, not the store.
  const sqlite = await startJwtLab({ name: 'jwt-lab sqlite', dataDir: path.join(context.workDir, 'sqlite'), jwtSecret: newSecret() }, context);
  log('sqlite phase');
  const sqliteCredentials = await prepareCredentials(sqlite.url);
  const all: TargetRuns[] = await measurePhase('sqlite', sqlite, sqliteCredentials, references('sqlite'), options, context, pinning.loadCpu);
  const cacheStats: BenchResults['verifiedTokenCache'] = { sqlite: await readCacheStats(sqlite.url) };

  log(`login capacity: ${options.loginRounds} round(s) of ${options.loginDurationSec} s of logins, then of the scrypt loop`);
  const capacityRounds = await measureLoginCapacity(loginTarget(sqlite, sqliteCredentials), options.loginRounds, options.loginDurationSec, { server: pinning.serverCpu, load: pinning.loadCpu });
  for (const [index, round] of capacityRounds.entries()) {
    log(`round ${index + 1}: ${round.logins.perSec.toFixed(1)} logins/s, ${round.scrypt.perSec.toFixed(2)} scrypt hashes/s: ${ratio(round.logins.perSec / round.scrypt.perSec)}`);
  }
  const loginCapacity = summariseLoginCapacity(capacityRounds);
  await sqlite.stop();

  const burst = await measureBurst(context);

  const redis = await startRedisInstance(options, context, redisKeyPrefix);
  if (redis) {
    log('redis phase');
    all.push(...(await measurePhase('redis', redis.server, await prepareCredentials(redis.server.url), references('redis'), options, context, pinning.loadCpu)));
    cacheStats.redis = await readCacheStats(redis.server.url);
  }
  for (const [store, stats] of Object.entries(cacheStats)) log(`verified-token cache (${store}): ${stats ? `${stats.hits} hits, ${stats.misses} misses, ${stats.size}/${stats.capacity} entries` : 'no counts (/api/metrics not served)'}`);

  // The references are done: the propagation check gets core 0 to itself.
  await Promise.all([bare.stop(), fastifyJwt.stop()]);
  const revocationPropagation = await measurePropagation(options, context, redis);

  const rows = summarise(all);
  const budgets = judgeBudgets({ rows, loginCapacity, burst, coldStarts, revocationPropagation });
  const failed = budgets.filter((budget) => budget.verdict === 'FAIL');
  const results: BenchResults = {
    format: RESULTS_FORMAT,
    generatedAt: new Date().toISOString(),
    commit: gitDescribe(),
    quick: options.quick,
    machine,
    // Named one by one: REDIS_URL may carry a password, and the file is shared.
    options: {
      rounds: options.rounds,
      durationSec: options.durationSec,
      connections: options.connections,
      aloneConnections: options.aloneConnections,
      loginRounds: options.loginRounds,
      loginDurationSec: options.loginDurationSec,
      redis: redis !== null,
    },
    rows,
    loginCapacity,
    burst,
    coldStarts,
    revocationPropagation,
    verifiedTokenCache: cacheStats,
    budgets,
    pass: failed.length === 0,
    runs: Object.fromEntries(all.map(({ target, ...runs }) => [target.id, runs])),
  };
  writeJson(options.outFile, results);

  log('');
  log(renderFull(results));
  log('');
  const shownOutFile = path.relative(REPO_ROOT, options.outFile);
  log(`results written to ${shownOutFile.startsWith('..') ? options.outFile : shownOutFile}`);
  if (options.quick) log('--quick: one short round, so README.md and docs/performance.md keep the last full run; run pnpm bench without it before quoting any number');
  else log(`figures rewritten in ${publishResults(results).join(' and ')}`);
  log(failed.length === 0 ? 'every budget met' : `${failed.length} budget(s) missed`);
  return failed.length === 0 ? 0 : 1;
}

/** The server's own hit and miss counts: proof that the load hit the cache. */
async function readCacheStats(serverUrl: string): Promise<MetricsResponse['verifiedTokenCache'] | null> {
  const answer = await request(`${serverUrl}/api/metrics`).catch(() => null);
  return answer?.status === 200 && Value.Check(MetricsResponse, answer.body) ? answer.body.verifiedTokenCache : null;
}

/** Separate starts, each in a fresh data dir (the key is generated, the schema created), before anything else of ours runs. */
async function measureColdStarts(count: number, context: ServerContext): Promise<BenchResults['coldStarts']> {
  const starts: BenchResults['coldStarts'] = [];
  for (let start = 0; start < count; start++) {
    const server = await startJwtLab({ name: `cold start ${start + 1}`, dataDir: path.join(context.workDir, `cold-${start}`), jwtSecret: newSecret() }, context);
    starts.push({ wallMs: server.startMs, cpuMs: server.startCpuMs });
    await server.stop();
  }
  return starts;
}

/**
 * A discarded warm-up per target, then the rounds. Each round loads every target of ours side by
 * side with both references (the ratios the budgets judge), then our two modes and the same-cost
 * reference alone, one after another, saturated (the figure reported beside them).
 */
async function measurePhase(
  store: Store,
  server: RunningServer,
  credentials: Credentials,
  references: [bare: Target, fastifyJwt: Target],
  options: BenchOptions,
  context: ServerContext,
  loadCpu: number | null,
): Promise<TargetRuns[]> {
  const sameCostsServer = await startReference('same-costs', { BENCH_BODY_BYTES: String(credentials.privateBodyBytes) }, context);
  try {
    const sameCosts = sameCostsTarget(store, sameCostsServer);
    const ours = privateRouteTargets(store, server, credentials);
    const aloneTargets = ours.filter((target) => !target.id.endsWith('-revoked'));
    const runs = new Map<Target, TargetRuns>([...references, sameCosts, ...ours].map((target) => [target, { target, alone: [], comparisons: [] }]));
    const runsOf = (target: Target) => runs.get(target)!;

    // Every target warms up as it will be loaded: a reference measured cold against ours warmed
    // by the side-by-side runs would flatter ours.
    log(`warm-up: ${options.warmupSec} s per target and way of loading it`);
    for (const target of runs.keys()) await measureSample(target, options.connections, options.warmupSec, loadCpu);
    for (const target of [...aloneTargets, sameCosts]) await measureSample(target, options.aloneConnections, options.warmupSec, loadCpu);
    const [bareTarget, fastifyJwtTarget] = references;
    for (let round = 0; round < options.rounds; round++) {
      const roundName = `round ${`${round + 1}/${options.rounds}`.padEnd(5)}`;
      for (const target of ours) {
        const comparison = await runSideBySide(target, references, options.connections, options.durationSec, loadCpu);
        const { bare, fastifyJwt } = comparison;
        runsOf(target).comparisons.push(comparison);
        runsOf(bareTarget).comparisons.push({ ...comparison, target: bare });
        runsOf(fastifyJwtTarget).comparisons.push({ ...comparison, target: fastifyJwt });
        log(`${roundName} side by side ${target.label.padEnd(40)} ${ratio(comparison.target.efficiency / bare.efficiency)} bare ${ratio(comparison.target.efficiency / fastifyJwt.efficiency)} @fastify/jwt`);
      }
      const alone = await runAloneRound(aloneTargets, sameCosts, round, options.aloneConnections, options.durationSec, loadCpu);
      runsOf(sameCosts).alone.push({ sample: alone.reference, reference: alone.reference });
      for (const [index, target] of aloneTargets.entries()) {
        const sample = alone.ours[index]!;
        runsOf(target).alone.push({ sample, reference: alone.reference });
        log(`${roundName} alone        ${target.label.padEnd(40)} ${ratio(sample.requestsPerSec / alone.reference.requestsPerSec)} same-cost route (${Math.round(sample.requestsPerSec)} against ${Math.round(alone.reference.requestsPerSec)} req/s)`);
      }
    }
    return [...runs.values()];
  } finally {
    await sameCostsServer.stop();
  }
}

/** Its own instance at the default settings, but for REGISTER_LIMIT: the setup registers BURST_LOGINS users from one address. */
async function measureBurst(context: ServerContext): Promise<BurstResult> {
  const server = await startJwtLab(
    { name: 'jwt-lab burst', dataDir: path.join(context.workDir, 'burst'), jwtSecret: newSecret(), env: { REGISTER_LIMIT: '100000' } },
    context,
  );
  try {
    log(`burst: registering ${BURST_LOGINS} users`);
    const { accounts, probeToken } = await prepareBurstAccounts(server.url);
    log(`burst: ${BURST_LOGINS} logins at once, /api/private probed meanwhile`);
    const burst = await runBurst(server.url, accounts, probeToken);
    log(`burst: ${JSON.stringify(burst.statusCounts)} in ${(burst.windowMs / 1000).toFixed(2)} s; /api/private p99 ${burst.probe.p99Ms.toFixed(1)} ms over ${burst.probe.samples} probes`);
    return burst;
  } finally {
    await server.stop();
  }
}

/** Our server on the Redis store; its settings are kept to start a twin for the propagation check. */
interface RedisInstance {
  server: RunningServer;
  instance: JwtLabInstance;
}

/** Null without REDIS_URL. */
async function startRedisInstance(options: BenchOptions, context: ServerContext, keyPrefix: string): Promise<RedisInstance | null> {
  if (!options.redisUrl) return null;
  const instance: JwtLabInstance = { name: 'jwt-lab redis A', dataDir: path.join(context.workDir, 'redis'), jwtSecret: newSecret(), redis: { url: options.redisUrl, keyPrefix } };
  const server = await startJwtLab(instance, context);
  const { store } = parseBody(HealthResponse, await request(`${server.url}/api/health`), 'health');
  if (store !== 'redis') throw new Error(`REDIS_URL is set but the server answers store=${store}`);
  return { server, instance };
}

async function measurePropagation(options: BenchOptions, context: ServerContext, redis: RedisInstance | null): Promise<BenchResults['revocationPropagation']> {
  if (!redis) return { skipped: 'REDIS_URL is not set' };
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
