import { readdirSync, readFileSync } from 'node:fs';
import { runLoad } from './load.js';
import type { Target } from './targets.js';

/** One server's share of a side-by-side run. */
export interface Sample {
  requestsPerSec: number;
  /** On-CPU time the server process (all its threads) used during the run; null without Linux's /proc. */
  serverCpuMs: number | null;
  /** Requests per second of the server's own CPU time: what one core of it can serve. req/s when CPU time is unknown. */
  efficiency: number;
  unexpected: number;
}

/** One side-by-side run: a target of ours and both references, loaded at once. */
export interface Comparison {
  target: Sample;
  bare: Sample;
  fastifyJwt: Sample;
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

/**
 * Loads the target and both references at once, each from its own autocannon, for the same
 * seconds. The servers share their core, so whatever slows the machine meanwhile (another VM on
 * the host, a burst of steal time) slows all three alike, and each one's requests per second of
 * its own CPU time is a fair measure of its cost per request. Measured one after another, seconds
 * apart, the same two routes gave per-round ratios from 0.3 to 1.0 on a busy virtual machine.
 */
export async function runSideBySide(
  target: Target,
  [bare, fastifyJwt]: readonly [Target, Target],
  connections: number,
  durationSec: number,
  loadCpu: number | null,
): Promise<Comparison> {
  const [targetSample, bareSample, fastifyJwtSample] = await loadAtOnce([target, bare, fastifyJwt], connections, durationSec, loadCpu);
  return { target: targetSample!, bare: bareSample!, fastifyJwt: fastifyJwtSample! };
}

function loadAtOnce(targets: Target[], connections: number, durationSec: number, loadCpu: number | null): Promise<Sample[]> {
  return Promise.all(
    targets.map(async (target) => {
      const before = processCpuMs(target.serverPid);
      const result = await runLoad({ ...target.load, connections, durationSec }, loadCpu);
      const after = processCpuMs(target.serverPid);
      const serverCpuMs = before === null || after === null ? null : after - before;
      const efficiency = serverCpuMs ? result.requests / (serverCpuMs / 1000) : result.requestsPerSec;
      return { requestsPerSec: result.requestsPerSec, serverCpuMs, efficiency, unexpected: result.unexpected };
    }),
  );
}
