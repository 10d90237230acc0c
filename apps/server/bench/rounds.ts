import { runLoad, type LoadResult } from './load.js';
import { processCpuMs } from './processes.js';
import type { Target } from './targets.js';

/** One server's share of a run. */
export interface Sample {
  requestsPerSec: number;
  p99Ms: number;
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

/** Loads one target for `durationSec` and reads its server's CPU time around the run. */
export async function measureSample(target: Target, connections: number, durationSec: number, loadCpu: number | null): Promise<Sample> {
  const before = processCpuMs(target.serverPid);
  const result: LoadResult = await runLoad({ ...target.load, connections, durationSec }, loadCpu);
  const after = processCpuMs(target.serverPid);
  const serverCpuMs = before === null || after === null ? null : after - before;
  const efficiency = serverCpuMs ? result.requests / (serverCpuMs / 1000) : result.requestsPerSec;
  return { requestsPerSec: result.requestsPerSec, p99Ms: result.p99Ms, serverCpuMs, efficiency, unexpected: result.unexpected };
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
  const [targetSample, bareSample, fastifyJwtSample] = await Promise.all([target, bare, fastifyJwt].map((each) => measureSample(each, connections, durationSec, loadCpu)));
  return { target: targetSample!, bare: bareSample!, fastifyJwt: fastifyJwtSample! };
}

/**
 * One interleaved round alone: each target, then the reference (or the reference first, in odd
 * rounds, so that a machine speeding up or slowing down within a round favours neither side),
 * each with the server core to itself and enough connections to saturate it. This is how a
 * deployment with one core per instance sees the route; side by side is the steadier, stricter
 * reading of the same cost.
 */
export async function runAloneRound(
  ours: Target[],
  reference: Target,
  round: number,
  connections: number,
  durationSec: number,
  loadCpu: number | null,
): Promise<{ ours: Sample[]; reference: Sample }> {
  const referenceFirst = round % 2 === 0;
  const referenceBefore = referenceFirst ? await measureSample(reference, connections, durationSec, loadCpu) : null;
  const samples: Sample[] = [];
  for (const target of ours) samples.push(await measureSample(target, connections, durationSec, loadCpu));
  const referenceSample = referenceBefore ?? (await measureSample(reference, connections, durationSec, loadCpu));
  return { ours: samples, reference: referenceSample };
}
