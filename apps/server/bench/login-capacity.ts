import { Type, type Static } from 'typebox';
import { runLoad } from './load.js';
import { processCpuMs, runForResult } from './processes.js';
import { referenceArgs } from './servers.js';
import type { Target } from './targets.js';

/** Four logins in flight, and four scrypt hashes in flight in the reference: the setting. */
export const LOGINS_IN_FLIGHT = 4;
/** Beyond the loop's own duration: the hashes in flight finishing on a busy core. */
const SCRYPT_GRACE_MS = 60_000;

export interface CapacityRound {
  /** Successful logins per second of wall time, and per second of the server's CPU time. */
  logins: { perSec: number; perCpuSec: number; completed: number; unexpected: number };
  /** scrypt hashes per second of wall time, and per second of the loop's CPU time. */
  scrypt: { perSec: number; perCpuSec: number; completed: number };
}

/**
 * Rounds of our login route (autocannon, LOGINS_IN_FLIGHT connections) and of the scrypt loop,
 * one after the other, each alone on the server core; each round's two runs give its ratio.
 */
export async function measureLoginCapacity(login: Target, rounds: number, durationSec: number, cpus: { server: number | null; load: number | null }): Promise<CapacityRound[]> {
  const results: CapacityRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpuBefore = processCpuMs(login.serverPid);
    const load = await runLoad({ ...login.load, connections: LOGINS_IN_FLIGHT, durationSec }, cpus.load);
    const cpuMs = (processCpuMs(login.serverPid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
    const scrypt = await runScryptLoop(durationSec, cpus.server);
    // Successful logins only: a login shed with 503 is no capacity.
    const completed = load.statusCounts['200'] ?? 0;
    results.push({
      logins: { perSec: completed / load.seconds, perCpuSec: completed / (cpuMs / 1000), completed, unexpected: load.unexpected },
      scrypt: { perSec: scrypt.completed / (scrypt.wallMs / 1000), perCpuSec: scrypt.completed / (scrypt.cpuMs / 1000), completed: scrypt.completed },
    });
  }
  return results;
}

/** What bench/reference/scrypt-loop.ts prints. */
const ScryptLoopResult = Type.Object({ completed: Type.Integer(), wallMs: Type.Number(), cpuMs: Type.Number() });

function runScryptLoop(durationSec: number, cpu: number | null): Promise<Static<typeof ScryptLoopResult>> {
  const env = { PATH: process.env.PATH, BENCH_DURATION_MS: String(durationSec * 1000), BENCH_IN_FLIGHT: String(LOGINS_IN_FLIGHT) };
  return runForResult('the scrypt reference loop', ScryptLoopResult, process.execPath, referenceArgs('scrypt-loop.ts'), { cpu, env, deadlineMs: durationSec * 1000 + SCRYPT_GRACE_MS });
}
