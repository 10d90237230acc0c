import { performance } from 'node:perf_hooks';
import { getPrivate, loginInHeaderMode, type Account } from './accounts.js';
import { errorCode, request } from './http.js';

/** Far beyond the 50 ms budget: a slower propagation is a failure, not something to wait out. */
const POLL_DEADLINE_MS = 2000;
const MAX_POLLS = 20_000;

export interface PropagationTrial {
  /** From sending the logout to instance A until instance B first answers 401 token_revoked. */
  sinceLogoutSentMs: number;
  /** The same, counted from A's 204: what is left once A has committed the revocation. */
  sinceLogoutAnsweredMs: number;
  polls: number;
}

/**
 * Two instances on one Redis: log in on A, make B accept the token (so that a verified-token
 * cache on B holds it), log out on A, then ask B back to back until it refuses. The time is
 * counted from the moment the logout is sent, the stricter of the two readings.
 */
export async function measureRevocationPropagation(instanceA: string, instanceB: string, account: Account, trials: number): Promise<PropagationTrial[]> {
  const results: PropagationTrial[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const token = await loginInHeaderMode(instanceA, account);
    const bearer = { authorization: `Bearer ${token}` };
    const accepted = await getPrivate(instanceB, bearer);
    if (accepted.status !== 200) throw new Error(`instance B refused a fresh token from A: ${accepted.status} ${errorCode(accepted)}`);

    const sent = performance.now();
    const logout = await request(`${instanceA}/api/auth/logout`, { method: 'POST', headers: bearer });
    const answered = performance.now();
    if (logout.status !== 204) throw new Error(`logout on A answered ${logout.status} ${errorCode(logout)}`);

    let polls = 0;
    for (;;) {
      polls++;
      const answer = await getPrivate(instanceB, bearer);
      const at = performance.now();
      if (answer.status === 401 && errorCode(answer) === 'token_revoked') {
        results.push({ sinceLogoutSentMs: at - sent, sinceLogoutAnsweredMs: at - answered, polls });
        break;
      }
      if (answer.status !== 200) throw new Error(`instance B answered ${answer.status} ${errorCode(answer)} while the revocation spread`);
      if (at - sent > POLL_DEADLINE_MS || polls >= MAX_POLLS) {
        results.push({ sinceLogoutSentMs: Number.POSITIVE_INFINITY, sinceLogoutAnsweredMs: Number.POSITIVE_INFINITY, polls });
        break;
      }
    }
  }
  return results;
}
