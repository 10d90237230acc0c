import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BURST_ANSWER_MAX_MS, BURST_LOGINS, PROBE_P99_MAX_MS, type BurstResult } from './burst.js';
import { LOGINS_IN_FLIGHT, type CapacityRound } from './login-capacity.js';
import type { BenchOptions } from './options.js';
import type { PropagationTrial } from './revocation.js';
import type { Comparison, Sample } from './rounds.js';
import { median, spreadOf, type Spread } from './statistics.js';
import type { Target } from './targets.js';

export interface TargetRuns {
  target: Target;
  /** Runs alone, one per round, each with the same-cost reference's run of the same round. */
  alone: { sample: Sample; reference: Sample }[];
  /** Side-by-side runs, one per round. A reference gets every comparison of its phase, itself as `target`. */
  comparisons: Comparison[];
}

export interface Row {
  id: string;
  label: string;
  /** Medians over the runs alone; null for targets measured side by side only. */
  alone: { requestsPerSec: number; p99Ms: number } | null;
  /** Alone: requests per second over the same-cost route's, round by round; and the same per CPU second. */
  aloneVsSameCosts: Spread | null;
  aloneVsSameCostsPerCpu: Spread | null;
  /** Side by side: requests per CPU second over each reference's, round by round. */
  vsBare: Spread | null;
  vsFastifyJwt: Spread | null;
  unexpectedAnswers: number;
}

export interface LoginCapacity {
  rounds: CapacityRound[];
  /** Medians over the rounds. */
  loginsPerSec: number;
  scryptPerSec: number;
  loginsPerCpuSec: number;
  scryptPerCpuSec: number;
  /** Logins per second of wall time over scrypt hashes per second of wall time, round by round: the budget. */
  ratio: Spread;
  /** The same per second of CPU time (the server's, the loop's). */
  ratioPerCpu: Spread;
}

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface Budget {
  name: string;
  limit: string;
  measured: string;
  verdict: Verdict;
}

/** Raised whenever BenchResults changes shape, so that publish.ts refuses a file of another bench. */
export const RESULTS_FORMAT = 1;

/** Everything one run measured: bench-results/latest.json, and what the docs' tables are generated from. */
export interface BenchResults {
  format: typeof RESULTS_FORMAT;
  generatedAt: string;
  commit: string;
  quick: boolean;
  machine: { cores: number; node: string; pinning: string };
  /** The run's settings, never REDIS_URL itself (it may carry a password). */
  options: Pick<BenchOptions, 'rounds' | 'durationSec' | 'connections' | 'aloneConnections' | 'loginRounds' | 'loginDurationSec'> & { redis: boolean };
  rows: Row[];
  loginCapacity: LoginCapacity;
  burst: BurstResult;
  /** Wall time from spawn to the first 200, and the CPU time the process used meanwhile. */
  coldStarts: { wallMs: number; cpuMs: number | null }[];
  revocationPropagation: PropagationTrial[] | { skipped: string } | { failed: string };
  verifiedTokenCache: Record<string, { hits: number; misses: number; size: number; capacity: number } | null>;
  budgets: Budget[];
  pass: boolean;
  /** Every run, for checking the spread. */
  runs: Record<string, Omit<TargetRuns, 'target'>>;
}

/**
 * Ratios are taken run by run (each route against a reference measured in the same round) and
 * only then reduced to a median: a round that something else disturbed is outvoted by the others.
 */
export function summarise(all: TargetRuns[]): Row[] {
  return all.map(({ target, alone, comparisons }) => ({
    id: target.id,
    label: target.label,
    alone: alone.length === 0 ? null : { requestsPerSec: median(alone.map(({ sample }) => sample.requestsPerSec)), p99Ms: median(alone.map(({ sample }) => sample.p99Ms)) },
    aloneVsSameCosts: spreadOf(alone.map(({ sample, reference }) => sample.requestsPerSec / reference.requestsPerSec)),
    aloneVsSameCostsPerCpu: spreadOf(alone.map(({ sample, reference }) => sample.efficiency / reference.efficiency)),
    vsBare: spreadOf(comparisons.map((comparison) => comparison.target.efficiency / comparison.bare.efficiency)),
    vsFastifyJwt: spreadOf(comparisons.map((comparison) => comparison.target.efficiency / comparison.fastifyJwt.efficiency)),
    unexpectedAnswers: [...alone.map(({ sample }) => sample), ...comparisons.map((comparison) => comparison.target)].reduce((sum, sample) => sum + sample.unexpected, 0),
  }));
}

export function summariseLoginCapacity(rounds: CapacityRound[]): LoginCapacity {
  return {
    rounds,
    loginsPerSec: median(rounds.map((round) => round.logins.perSec)),
    scryptPerSec: median(rounds.map((round) => round.scrypt.perSec)),
    loginsPerCpuSec: median(rounds.map((round) => round.logins.perCpuSec)),
    scryptPerCpuSec: median(rounds.map((round) => round.scrypt.perCpuSec)),
    ratio: spreadOf(rounds.map((round) => round.logins.perSec / round.scrypt.perSec))!,
    ratioPerCpu: spreadOf(rounds.map((round) => round.logins.perCpuSec / round.scrypt.perCpuSec))!,
  };
}

export const PRIVATE_VS_BARE_MIN = 0.7;
export const PRIVATE_VS_FASTIFY_JWT_MIN = 1.0;
export const LOGIN_VS_SCRYPT_MIN = 4;
export const COLD_START_MAX_MS = 1000;
export const REVOCATION_PROPAGATION_MAX_MS = 50;

const verdict = (pass: boolean): Verdict => (pass ? 'PASS' : 'FAIL');
export const times = (value: number) => `${value.toFixed(2)}x`;

type BudgetInputs = Pick<BenchResults, 'rows' | 'loginCapacity' | 'burst' | 'coldStarts' | 'revocationPropagation'>;

export function judgeBudgets({ rows, loginCapacity, burst, coldStarts, revocationPropagation: propagation }: BudgetInputs): Budget[] {
  const budgets: Budget[] = [];
  // Every store measured is judged: SQLite always, Redis when REDIS_URL was set.
  const stores = ['sqlite', ...(rows.some((row) => row.id.startsWith('redis-')) ? ['redis'] : [])];
  for (const [store, mode] of stores.flatMap((store) => ['header', 'cookie'].map((mode) => [store, mode] as const))) {
    const row = rows.find((candidate) => candidate.id === `${store}-${mode}`);
    for (const [reference, spread, min] of [
      ['bare route', row?.vsBare, PRIVATE_VS_BARE_MIN],
      ['@fastify/jwt (cache on)', row?.vsFastifyJwt, PRIVATE_VS_FASTIFY_JWT_MIN],
    ] as const) {
      budgets.push({
        name: `/api/private ${mode} mode (${store}) vs ${reference}, side by side`,
        limit: `>= ${times(min)}`,
        measured: spread ? times(spread.median) : 'not measured',
        verdict: verdict(!!spread && spread.median >= min),
      });
    }
  }

  budgets.push({
    name: `login, ${LOGINS_IN_FLIGHT} in flight, vs a loop of scrypt (N=2^17, r=8, p=1) on the same core, per second of wall time`,
    limit: `>= ${times(LOGIN_VS_SCRYPT_MIN)}`,
    measured: `${times(loginCapacity.ratio.median)} (${loginCapacity.loginsPerSec.toFixed(1)} logins/s, ${loginCapacity.scryptPerSec.toFixed(2)} hashes/s; per CPU second ${times(loginCapacity.ratioPerCpu.median)})`,
    verdict: verdict(loginCapacity.ratio.median >= LOGIN_VS_SCRYPT_MIN),
  });

  const counts = Object.entries(burst.statusCounts).map(([status, count]) => `${count}x ${status}`).join(', ');
  const problems = [
    burst.otherStatus && `${burst.otherStatus} with another status`,
    burst.missingRetryAfter && `${burst.missingRetryAfter} without Retry-After`,
    burst.late && `${burst.late} later than ${BURST_ANSWER_MAX_MS / 1000} s or never`,
  ].filter(Boolean);
  budgets.push({
    name: `burst of ${BURST_LOGINS} logins at once: every answer 200, 429 or 503 with Retry-After, within ${BURST_ANSWER_MAX_MS / 1000} s`,
    limit: 'all',
    measured: `${counts}; slowest ${(burst.slowestMs / 1000).toFixed(1)} s${problems.length ? `; ${problems.join(', ')}` : ''}`,
    verdict: verdict(problems.length === 0 && burst.logins === BURST_LOGINS),
  });
  const { probe } = burst;
  budgets.push({
    name: '/api/private p99 during the burst (a steady probe on its own connection)',
    limit: `< ${PROBE_P99_MAX_MS} ms`,
    measured: `${probe.p99Ms.toFixed(1)} ms (${probe.samples} probes, median ${probe.p50Ms.toFixed(1)} ms, worst ${probe.maxMs.toFixed(1)} ms${probe.notOk ? `, ${probe.notOk} not 200` : ''})`,
    verdict: verdict(probe.samples > 0 && probe.p99Ms < PROBE_P99_MAX_MS && probe.notOk === 0),
  });

  const coldStart = median(coldStarts.map((start) => start.wallMs));
  const startCpuMs = median(coldStarts.map((start) => start.cpuMs ?? Number.NaN));
  budgets.push({
    name: 'cold start: spawn to first 200 from /api/health',
    limit: `< ${COLD_START_MAX_MS} ms`,
    measured: `${coldStart.toFixed(0)} ms (median of ${coldStarts.map((start) => start.wallMs.toFixed(0)).join(', ')}; ${Number.isFinite(startCpuMs) ? `${startCpuMs.toFixed(0)} ms of its own CPU` : 'CPU time unknown'})`,
    verdict: verdict(coldStart < COLD_START_MAX_MS),
  });

  const name = 'revoked on instance A, refused by B (Redis)';
  const limit = `<= ${REVOCATION_PROPAGATION_MAX_MS} ms`;
  if (Array.isArray(propagation)) {
    const worst = Math.max(...propagation.map((trial) => trial.sinceLogoutSentMs));
    const shown = propagation.map((trial) => (Number.isFinite(trial.sinceLogoutSentMs) ? trial.sinceLogoutSentMs.toFixed(1) : 'never'));
    budgets.push({ name, limit, measured: `worst ${Number.isFinite(worst) ? `${worst.toFixed(1)} ms` : 'never'} (trials: ${shown.join(', ')})`, verdict: verdict(worst <= REVOCATION_PROPAGATION_MAX_MS) });
  } else if ('skipped' in propagation) {
    budgets.push({ name, limit, measured: propagation.skipped, verdict: 'SKIP' });
  } else {
    budgets.push({ name, limit, measured: propagation.failed, verdict: 'FAIL' });
  }

  // A target that answered anything but its expected status measured something else: say so loudly.
  const odd = [
    ...rows.filter((row) => row.unexpectedAnswers > 0).map((row) => `${row.id}: ${row.unexpectedAnswers}`),
    ...loginCapacity.rounds.filter((round) => round.logins.unexpected > 0).map((round) => `login: ${round.logins.unexpected}`),
  ];
  budgets.push({
    name: 'every load run answered only with its expected status',
    limit: '0 unexpected',
    measured: odd.length === 0 ? '0 unexpected' : odd.join('; '),
    verdict: verdict(odd.length === 0),
  });
  return budgets;
}

export function writeJson(file: string, results: BenchResults): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Infinity ("never refused") has no JSON form; null says the same thing.
  writeFileSync(file, `${JSON.stringify(results, (_key, value: unknown) => (value === Number.POSITIVE_INFINITY ? null : value), 2)}\n`);
}
