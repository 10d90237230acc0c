import { createRequire } from 'node:module';
import { Type, type Static } from 'typebox';
import { runForResult } from './processes.js';

// autocannon's CLI in a process of its own, pinned to the load core: in-process it would share
// the bench's event loop, and its results would depend on what the bench does meanwhile.
const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon');
/** Beyond the run's own duration: connecting, the last responses, writing the JSON. */
const EXIT_GRACE_MS = 30_000;

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
  /** Every answer must have this status, or the run measured something other than the target. */
  expectStatus: number;
}

export interface LoadResult {
  /** Wall time autocannon measured over. */
  seconds: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers with another status, plus connection errors and timeouts. */
  unexpected: number;
  statusCounts: Record<string, number>;
}

/** The part of autocannon's --json result the bench reads (duration in seconds, latency in ms). */
const AutocannonResult = Type.Object({
  duration: Type.Number(),
  errors: Type.Number(),
  timeouts: Type.Number(),
  statusCodeStats: Type.Optional(Type.Record(Type.String(), Type.Object({ count: Type.Number() }))),
  latency: Type.Object({ p50: Type.Number(), p99: Type.Number() }),
  requests: Type.Object({ total: Type.Number() }),
});

export async function runLoad(spec: LoadSpec, cpu: number | null): Promise<LoadResult> {
  const args = [AUTOCANNON_CLI, '--json', '--no-progress', '-c', String(spec.connections), '-d', String(spec.durationSec), '-m', spec.method ?? 'GET'];
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (spec.body !== undefined) args.push('-b', spec.body);
  args.push(spec.url);

  const deadlineMs = spec.durationSec * 1000 + EXIT_GRACE_MS;
  const result = await runForResult(`autocannon on ${spec.url}`, AutocannonResult, process.execPath, args, { cpu, env: { PATH: process.env.PATH }, deadlineMs });
  return summarise(result, spec.expectStatus);
}

function summarise(result: Static<typeof AutocannonResult>, expectStatus: number): LoadResult {
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]));
  const expected = statusCounts[String(expectStatus)] ?? 0;
  const answered = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
  return {
    // Total over the measured wall time: steadier than autocannon's mean of 1-second samples on short runs.
    seconds: result.duration,
    requestsPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    unexpected: answered - expected + result.errors + result.timeouts,
    statusCounts,
  };
}
