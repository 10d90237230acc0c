import type { WeakenedDefence } from '@jwt-lab/shared';
import type { LabRow, LabStrategy } from '../features/attack-lab/side-by-side/rows';
import { browserStores, createLabCookieStrategy, createStrategies, listStrategies } from '../features/auth/strategies/strategy-catalog';
import type { ApiClient } from '../lib/api-client';

/**
 * The side-by-side table's rows, composed here because they join two features: every page
 * strategy of features/auth, each run through the attack lab's experiments, and the cookie
 * strategy again with a defence switched off on purpose (a lab-only session of the server's).
 */

/** What a defences-off row's session goes without, and the words its row header uses. */
const DEFENCES_OFF: ReadonlyArray<{ id: string; weaken: WeakenedDefence[]; label: string }> = [
  { id: 'cookie-samesite-none', weaken: ['samesite-none'], label: 'Defences off: HttpOnly cookie with SameSite=None' },
  { id: 'cookie-samesite-lax', weaken: ['samesite-lax'], label: 'Defences off: HttpOnly cookie with SameSite=Lax' },
  {
    id: 'cookie-no-csrf-checks',
    weaken: ['samesite-none', 'no-csrf-token', 'no-origin-check'],
    label: 'Defences off: HttpOnly cookie with SameSite=None, no CSRF token and no Origin check',
  },
];

async function logInAs(api: ApiClient, strategy: LabStrategy, credentials: { username: string; password: string }) {
  const answer = await api.login(strategy, credentials);
  if (answer.ok) strategy.keep(answer.value, Date.now());
  return answer;
}

export function sideBySideRows(): LabRow[] {
  const strategyRows: LabRow[] = listStrategies(createStrategies()).map(({ id, description }) => ({
    id,
    label: description.label,
    weakened: [],
    // A new instance over the browser's stores each time: what a fresh page starts with.
    createStrategy: () => createStrategies(browserStores())[id],
    logIn: logInAs,
  }));
  const weakenedRows: LabRow[] = DEFENCES_OFF.map(({ id, weaken, label }) => ({
    id,
    label,
    weakened: weaken,
    createStrategy: () => createLabCookieStrategy(),
    async logIn(api, strategy, credentials) {
      const answer = await api.weakenedLogin(strategy, credentials, weaken);
      if (answer.ok) strategy.keep(answer.value, Date.now());
      return answer;
    },
  }));
  return [...strategyRows, ...weakenedRows];
}
