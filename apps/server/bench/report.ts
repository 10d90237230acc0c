import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InitialJs } from './page-weight.js';
import type { LoadResult } from './load.js';
import type { PropagationTrial } from './revocation.js';
import type { Comparison, Sample } from './side-by-side.js';
import type { Target } from './targets.js';

export interface TargetRuns {
  target: Target;
  /** One run with the core to itself: the table's req/s and p99. */
  alone: LoadResult;
  /** One per round, in round order. A reference gets every comparison of its phase, itself as `target`. */
  comparisons: Comparison[];
}

export interface Row {
  id: string;
  label: string;
  requestsPerSec: number;
  p99Ms: number;
  /** Medians of per-round ratios; null for targets that were not compared. */
  vsBare: number | null;
  vsFastifyJwt: number | null;
  unexpectedAnswers: number;
}

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface Budget {
  name: string;
  limit: string;
  measured: string;
  verdict: Verdict;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Ratios are taken run by run (each route against the references loaded at the same moment, on
 * the same core) and only then reduced to a median: a round that something else disturbed
 * disturbs all three alike, and a run that went oddly anyway is outvoted by the other rounds.
 */
export function summarise(all: TargetRuns[]): Row[] {
  return all.map(({ target, alone, comparisons }) => {
    const ratioTo = (reference: (comparison: Comparison) => Sample) =>
      comparisons.length === 0 ? null : median(comparisons.map((comparison) => comparison.target.efficiency / reference(comparison).efficiency));
    return {
      id: target.id,
      label: target.label,
      requestsPerSec: alone.requestsPerSec,
      p99Ms: alone.p99Ms,
      vsBare: ratioTo((comparison) => comparison.bare),
      vsFastifyJwt: ratioTo((comparison) => comparison.fastifyJwt),
      unexpectedAnswers: alone.unexpected + comparisons.reduce((sum, comparison) => sum + comparison.target.unexpected, 0),
    };
  });
}

export const PRIVATE_VS_BARE_MIN = 0.7;
export const PRIVATE_VS_FASTIFY_JWT_MIN = 1.0;
export const COLD_START_MAX_MS = 1000;
/** kB as Vite prints it: 1000 bytes (the stricter reading of "90 KB"). */
export const INITIAL_JS_MAX_GZIP_BYTES = 90_000;
export const REVOCATION_PROPAGATION_MAX_MS = 50;

export interface BudgetInputs {
  rows: Row[];
  coldStartsMs: number[];
  initialJs: InitialJs | Error;
  /** Trials, or why the cross-instance budget was not measured (no REDIS_URL, no Redis store). */
  propagation: PropagationTrial[] | { skipped: string } | { failed: string };
}

const verdict = (pass: boolean): Verdict => (pass ? 'PASS' : 'FAIL');
const ratio = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}x`);

export function judgeBudgets({ rows, coldStartsMs, initialJs, propagation }: BudgetInputs): Budget[] {
  const budgets: Budget[] = [];
  // Every store measured is judged: SQLite always, Redis when REDIS_URL was set.
  const stores = ['sqlite', ...(rows.some((row) => row.id.startsWith('redis-')) ? ['redis'] : [])];
  for (const [store, mode] of stores.flatMap((store) => ['header', 'cookie'].map((mode) => [store, mode] as const))) {
    const row = rows.find((candidate) => candidate.id === `${store}-${mode}`);
    const vsBare = row?.vsBare ?? null;
    const vsFastifyJwt = row?.vsFastifyJwt ?? null;
    budgets.push(
      { name: `/api/private ${mode} mode (${store}) vs bare route`, limit: `>= ${PRIVATE_VS_BARE_MIN.toFixed(2)}x`, measured: ratio(vsBare), verdict: verdict(vsBare !== null && vsBare >= PRIVATE_VS_BARE_MIN) },
      {
        name: `/api/private ${mode} mode (${store}) vs @fastify/jwt (cache on)`,
        limit: `>= ${PRIVATE_VS_FASTIFY_JWT_MIN.toFixed(2)}x`,
        measured: ratio(vsFastifyJwt),
        verdict: verdict(vsFastifyJwt !== null && vsFastifyJwt >= PRIVATE_VS_FASTIFY_JWT_MIN),
      },
    );
  }

  const coldStart = median(coldStartsMs);
  budgets.push({
    name: 'cold start: spawn to first 200 from /api/health',
    limit: `< ${COLD_START_MAX_MS} ms`,
    measured: `${coldStart.toFixed(0)} ms (median of ${coldStartsMs.map((ms) => ms.toFixed(0)).join(', ')})`,
    verdict: verdict(coldStart < COLD_START_MAX_MS),
  });

  budgets.push(
    initialJs instanceof Error
      ? { name: 'initial page JS, gzipped', limit: `<= ${kB(INITIAL_JS_MAX_GZIP_BYTES)}`, measured: initialJs.message, verdict: 'FAIL' }
      : {
          name: 'initial page JS, gzipped',
          limit: `<= ${kB(INITIAL_JS_MAX_GZIP_BYTES)}`,
          measured: `${kB(initialJs.gzipBytes)} in ${initialJs.files.length} file(s)`,
          verdict: verdict(initialJs.gzipBytes <= INITIAL_JS_MAX_GZIP_BYTES),
        },
  );

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
  const odd = rows.filter((row) => row.unexpectedAnswers > 0 || row.requestsPerSec === 0);
  budgets.push({
    name: 'every load target answered, and only with its expected status',
    limit: '0 unexpected',
    measured: odd.length === 0 ? '0 unexpected' : odd.map((row) => `${row.id}: ${row.unexpectedAnswers} unexpected, ${Math.round(row.requestsPerSec)} req/s`).join('; '),
    verdict: verdict(odd.length === 0),
  });
  return budgets;
}

/** Whole numbers, except for slow targets (login) where the decimal is the information. */
const perSecond = (value: number) => (value < 100 ? value.toFixed(1) : String(Math.round(value)));

function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/** A Markdown table, so that the output can be pasted into docs/performance.md as it is. */
export function formatTable(rows: Row[]): string {
  const lines = [
    '| target | req/s | p99 ms | x bare | x @fastify/jwt |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row.label} | ${perSecond(row.requestsPerSec)} | ${row.p99Ms} | ${ratio(row.vsBare)} | ${ratio(row.vsFastifyJwt)} |`),
  ];
  return lines.join('\n');
}

export function formatBudgets(budgets: Budget[]): string {
  return budgets.map((budget) => `${budget.verdict.padEnd(4)}  ${budget.name} ${budget.limit}: ${budget.measured}`).join('\n');
}

export function writeJson(file: string, report: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Infinity ("never refused") has no JSON form; null says the same thing.
  writeFileSync(file, `${JSON.stringify(report, (_key, value: unknown) => (value === Number.POSITIVE_INFINITY ? null : value), 2)}\n`);
}
