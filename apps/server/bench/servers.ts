import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { request } from './http.js';
import { hasExited, processCpuMs, spawnPinned, stopProcess } from './processes.js';

const SERVER_APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_ENTRY = path.join(SERVER_APP_DIR, 'dist', 'server.mjs');
const REFERENCE_DIR = fileURLToPath(new URL('./reference/', import.meta.url));

/** Generous: a cold start that takes longer is a failure to report, not to wait for. */
const START_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 5;

export interface RunningServer {
  name: string;
  /** http://127.0.0.1:<port>, never anything but loopback. */
  url: string;
  child: ChildProcess;
  /** Spawn to the first 200 from the readiness route. */
  startMs: number;
  /** CPU time the process used to get there: on a busy machine, the rest of startMs was waiting for a core. */
  startCpuMs: number | null;
  stop(): Promise<void>;
}

export interface ServerContext {
  /** Core to pin every server to, or null when pinning is unavailable. */
  cpu: number | null;
  /** The run's temp dir: data dirs and each server's stderr (why it failed to start) live there. */
  workDir: string;
}

export interface JwtLabInstance {
  name: string;
  dataDir: string;
  jwtSecret: string;
  /** Present: the Redis store, with a key prefix of this run only (the Redis is shared). */
  redis?: { url: string; keyPrefix: string };
  /** Documented variables beyond the defaults (the burst raises REGISTER_LIMIT to register its users). */
  env?: Record<string, string>;
}

/** The built server, exactly as `pnpm serve` runs it, configured only through its documented variables. */
export function startJwtLab(instance: JwtLabInstance, context: ServerContext): Promise<RunningServer> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run pnpm build first`);
  // Built from scratch, not inherited: a REDIS_URL in the caller's shell must not leak into the SQLite instance.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    DATA_DIR: instance.dataDir,
    LOG_LEVEL: 'info',
    JWT_SECRET: instance.jwtSecret,
    // Outlives the longest run, so that no target starts answering token_expired halfway.
    ACCESS_TOKEN_TTL: '3600',
    // The production configuration: no attack lab (its attacker site and request record are for local runs).
    NODE_ENV: 'production',
    ...(instance.redis ? { REDIS_URL: instance.redis.url, REDIS_KEY_PREFIX: instance.redis.keyPrefix } : {}),
    ...instance.env,
  };
  return startServer(instance.name, process.execPath, [SERVER_ENTRY], env, context);
}

export type ReferenceKind = 'bare' | 'fastify-jwt' | 'same-costs';

/** `node` arguments that run a TypeScript file of bench/reference through tsx's loader. */
export function referenceArgs(file: string): string[] {
  return ['--import', import.meta.resolve('tsx'), path.join(REFERENCE_DIR, file)];
}

/** A reference server from bench/reference, configured by the BENCH_* variables it names. */
export function startReference(kind: ReferenceKind, env: Record<string, string>, context: ServerContext): Promise<RunningServer> {
  return startServer(`reference ${kind}`, process.execPath, referenceArgs(`${kind}.ts`), { PATH: process.env.PATH, ...env }, context);
}

async function startServer(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, context: ServerContext): Promise<RunningServer> {
  // A free port can be taken by someone else between our probe and the server's bind: try twice.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(name, command, args, env, context);
    } catch (error) {
      if (attempt >= 2 || !isPortTaken(error)) throw error;
    }
  }
}

async function startOnFreePort(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, context: ServerContext): Promise<RunningServer> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const stderrFile = path.join(context.workDir, `${name.replace(/\W+/g, '-')}-${port}.stderr.log`);
  // The request log (pino, info) goes to /dev/null for every server alike: each server pays for
  // formatting and writing its lines, and no pipe back to this process can slow it down.
  const stdout = openSync('/dev/null', 'w');
  const stderr = openSync(stderrFile, 'w');
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawnPinned(command, args, { cpu: context.cpu, env: { ...env, PORT: String(port) }, stdio: ['ignore', stdout, stderr] });
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
  try {
    await waitForFirstOk(`${url}/api/health`, child);
  } catch (error) {
    await stopProcess(child);
    const said = readFileSync(stderrFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new Error(`${name} did not start: ${(error as Error).message}${said ? `\n${said}` : ''}`, { cause: error });
  }
  const startMs = performance.now() - started;
  const startCpuMs = child.pid === undefined ? null : processCpuMs(child.pid);
  return { name, url, child, startMs, startCpuMs, stop: () => stopProcess(child) };
}

/** Polls until a 200: bounded by START_TIMEOUT_MS, and gives up at once if the process died. */
async function waitForFirstOk(healthUrl: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (hasExited(child)) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    try {
      if ((await request(healthUrl, { timeoutMs: 1000 })).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`no 200 from ${healthUrl} within ${START_TIMEOUT_MS} ms`);
}

const isPortTaken = (error: unknown) => /EADDRINUSE|already in use/.test(String(error));

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
