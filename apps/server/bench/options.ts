import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  /** Seconds per side-by-side run, and of each target's run alone. */
  durationSec: number;
  /** Seconds of discarded load per target before the first round: JIT, caches, connection pools. */
  warmupSec: number;
  /** Per target in side-by-side runs (three servers share the core). */
  connections: number;
  /** In the runs alone: enough to keep one core busy whatever the latency. */
  aloneConnections: number;
  /** Rounds of login and of the scrypt loop, and the seconds of each run. */
  loginRounds: number;
  loginDurationSec: number;
  /** Separate server starts; the budget is judged on their median. */
  coldStarts: number;
  revocationTrials: number;
  /** From the environment: the Redis targets and the cross-instance budget run only when set. */
  redisUrl: string | undefined;
  outFile: string;
}

export const USAGE = `pnpm bench [--quick] [--rounds N] [--duration SECONDS] [--out FILE]

  --quick       smoke run: 1 round, 1 s per target (the numbers are not worth keeping)
  --rounds      rounds of /api/private, side by side and alone (default 8, at most 20)
  --duration    seconds per target per round (default 3, at most 60)
  --out         JSON results (default bench-results/latest.json at the repository root)

  A full run (not --quick) also rewrites the generated results in README.md and
  docs/performance.md (between their bench-results markers).

  REDIS_URL=redis://127.0.0.1:6379 pnpm bench  also measures the Redis store and the
  cross-instance revocation budget (keys under a prefix of this run, deleted at the end).`;

/** Bounded on purpose: the bench must end in minutes whatever it is given. */
function bounded(value: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}\n\n${USAGE}`);
  return number;
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv, defaultOutFile: string): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  return {
    quick,
    rounds: bounded(values.rounds, quick ? 1 : 8, 1, 20, 'rounds'),
    durationSec: bounded(values.duration, quick ? 1 : 3, 1, 60, 'duration'),
    warmupSec: quick ? 1 : 2,
    connections: 10,
    aloneConnections: 50,
    loginRounds: quick ? 1 : 3,
    loginDurationSec: quick ? 2 : 5,
    coldStarts: quick ? 1 : 3,
    revocationTrials: quick ? 1 : 5,
    redisUrl: env.REDIS_URL?.trim() || undefined,
    outFile: values.out ?? defaultOutFile,
  };
}
