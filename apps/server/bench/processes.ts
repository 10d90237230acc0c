import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Where each side runs. Servers and the load generator on different cores, so that the load
 * generator never steals CPU from the server it measures (on 2 cores, unpinned, it does).
 */
export interface Pinning {
  serverCpu: number | null;
  loadCpu: number | null;
  /** One line for the output: how the processes were placed, or why they were not. */
  description: string;
}

export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export function detectPinning(): Pinning {
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasTaskset) {
    return { serverCpu: null, loadCpu: null, description: 'taskset is missing: servers and load generator are NOT pinned (they share cores; ratios are noisier)' };
  }
  if (availableParallelism() < 2) {
    return { serverCpu: null, loadCpu: null, description: 'only one core available: nothing is pinned' };
  }
  return {
    serverCpu: SERVER_CPU,
    loadCpu: LOAD_CPU,
    description: `taskset: servers on core ${SERVER_CPU}, load generator (autocannon) on core ${LOAD_CPU}`,
  };
}

/**
 * Moves the bench's own process (every thread) to the load core: what it does itself (the
 * burst's requests, the probe) must not take CPU from the server it measures.
 */
export function pinThisProcess(cpu: number | null): void {
  if (cpu !== null) spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/**
 * On-CPU time of a process and all its threads (libuv's pool, V8's helpers), in ms, from the
 * scheduler's per-thread statistics (nanosecond resolution); null where /proc does not have them.
 */
export function processCpuMs(pid: number): number | null {
  try {
    let nanoseconds = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    }
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : null;
  } catch {
    return null;
  }
}

/** Every child we start, so that an error or Ctrl-C still leaves no server behind. */
const children = new Set<ChildProcess>();

export interface SpawnOptions {
  cpu: number | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: StdioOptions;
}

/** Starts `command` on one core (through taskset, which execs it: the pid is the command's own). */
export function spawnPinned(command: string, args: string[], { cpu, env, cwd, stdio }: SpawnOptions): ChildProcess {
  const [file, argv] = cpu === null ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
  const child = spawn(file, argv, { env, cwd, stdio: stdio ?? ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Runs a measuring process (autocannon, the scrypt loop) to its end and parses the last line it
 * printed, its JSON result, with `schema`. Stopped once `deadlineMs` has passed, which then fails
 * the run.
 */
export async function runForResult<Schema extends TSchema>(
  what: string,
  schema: Schema,
  command: string,
  args: string[],
  options: SpawnOptions & { deadlineMs: number },
): Promise<Static<Schema>> {
  const child = spawnPinned(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => void stopProcess(child), options.deadlineMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const line = stdout.trim().split('\n').pop();
  if (exitCode !== 0 || !line) throw new Error(`${what} failed (exit ${exitCode}): ${stderr.trim().slice(-500)}`);
  const result: unknown = JSON.parse(line);
  if (!Value.Check(schema, result)) throw new Error(`${what} printed a result of another shape: ${line.slice(0, 200)}`);
  return result;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if the child has not gone within `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => stopProcess(child)));
}

/**
 * Last line of defence: the bench never leaves a server or autocannon running. Ctrl-C and
 * SIGTERM stop the children and then run `cleanup` (temp dirs); a plain exit kills what is left.
 */
let stopping = false;

/** True once Ctrl-C or SIGTERM has started the shutdown. */
export function isStopping(): boolean {
  return stopping;
}

export function stopChildrenOnExit(cleanup: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${signal}: stopping every server and load generator`);
      void stopAllProcesses()
        .then(cleanup)
        .finally(() => process.exit(130));
    });
  }
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}
