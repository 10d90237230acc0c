import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loginInHeaderMode, newAccount, register, type Account } from './accounts.js';
import { request, type HttpAnswer } from './http.js';
import { percentile } from './statistics.js';

export const BURST_LOGINS = 200;
/** The budget: every login answered within this, with 200, 429, or 503 and a Retry-After. */
export const BURST_ANSWER_MAX_MS = 10_000;
/** The budget for /api/private while the burst runs. */
export const PROBE_P99_MAX_MS = 100;
/** A login unanswered this long is counted late and abandoned: the burst ends in bounded time. */
const GIVE_UP_MS = 15_000;
/** The probe sends a request every 10 ms (or as soon as the previous one answers, if later). */
const PROBE_INTERVAL_MS = 10;
const MAX_PROBES = 5_000;
/** Setup, not measured: few enough at once that registration itself is rarely shed. */
const REGISTER_CONCURRENCY = 4;

export interface BurstResult {
  logins: number;
  statusCounts: Record<string, number>;
  /** 429 and 503 answers without a Retry-After. */
  missingRetryAfter: number;
  /** Answers with another status than 200, 429 or 503. */
  otherStatus: number;
  /** Answers later than BURST_ANSWER_MAX_MS, or none at all. */
  late: number;
  slowestMs: number;
  /** From sending the burst to its last answer: the window the probe's figures cover. */
  windowMs: number;
  probe: { samples: number; p50Ms: number; p99Ms: number; maxMs: number; notOk: number };
}

/** Registers BURST_LOGINS users (and one for the probe) through the API, a few at a time. */
export async function prepareBurstAccounts(baseUrl: string): Promise<{ accounts: Account[]; probeToken: string }> {
  const accounts = Array.from({ length: BURST_LOGINS }, newAccount);
  const queue = [...accounts];
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, async () => {
    for (let account = queue.shift(); account; account = queue.shift()) await register(baseUrl, account);
  }));
  const prober = newAccount();
  await register(baseUrl, prober);
  return { accounts, probeToken: await loginInHeaderMode(baseUrl, prober) };
}

/**
 * Every account logs in at once, each on a connection of its own. Meanwhile a steady probe asks
 * /api/private on a separate keep-alive connection; only probes sent during the burst count.
 */
export async function runBurst(baseUrl: string, accounts: Account[], probeToken: string): Promise<BurstResult> {
  let burstDone = false;
  const probe = runProbe(`${baseUrl}/api/private`, { authorization: `Bearer ${probeToken}` }, () => burstDone);
  await sleep(200); // the probe's connection is open and warm before the burst starts

  const burstStart = performance.now();
  const answers = await Promise.all(
    accounts.map(async (account) => {
      const sent = performance.now();
      const answer = await request(`${baseUrl}/api/auth/login`, {
        method: 'POST',
        json: { ...account, mode: 'header' },
        agent: false,
        timeoutMs: GIVE_UP_MS,
      }).catch((): HttpAnswer | null => null);
      return { answer, ms: performance.now() - sent };
    }),
  );
  const windowMs = performance.now() - burstStart;
  burstDone = true;
  const samples = (await probe).filter((sample) => sample.sentAt >= burstStart);

  const statusCounts: Record<string, number> = {};
  for (const { answer } of answers) {
    const status = answer ? String(answer.status) : 'none';
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
  }
  const latencies = samples.map((sample) => sample.ms);
  return {
    logins: answers.length,
    statusCounts,
    missingRetryAfter: answers.filter(({ answer }) => (answer?.status === 429 || answer?.status === 503) && !answer.headers['retry-after']).length,
    otherStatus: answers.filter(({ answer }) => answer && ![200, 429, 503].includes(answer.status)).length,
    late: answers.filter(({ answer, ms }) => !answer || ms > BURST_ANSWER_MAX_MS).length,
    slowestMs: Math.max(...answers.map(({ ms }) => ms)),
    windowMs,
    probe: {
      samples: samples.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: Math.max(...latencies),
      notOk: samples.filter((sample) => sample.status !== 200).length,
    },
  };
}

interface ProbeSample {
  sentAt: number;
  ms: number;
  /** 0: no answer within GIVE_UP_MS. */
  status: number;
}

async function runProbe(url: string, headers: Record<string, string>, stop: () => boolean): Promise<ProbeSample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: ProbeSample[] = [];
  const deadline = performance.now() + GIVE_UP_MS * 2;
  try {
    while (!stop() && samples.length < MAX_PROBES && performance.now() < deadline) {
      const sentAt = performance.now();
      const answer = await request(url, { headers, agent, timeoutMs: GIVE_UP_MS }).catch(() => null);
      samples.push({ sentAt, ms: performance.now() - sentAt, status: answer?.status ?? 0 });
      await sleep(Math.max(0, sentAt + PROBE_INTERVAL_MS - performance.now()));
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

