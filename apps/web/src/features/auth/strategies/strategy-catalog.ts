import { createCookieStrategy } from './cookie-strategy';
import type { DpopKeyStore } from './dpop-key-store';
import { createDpopStrategy } from './dpop-strategy';
import { createMemoryStrategy } from './memory-strategy';
import { STRATEGY_IDS, type PageStrategy, type StrategyId } from './strategy';
import { createWebStorageStrategy } from './web-storage-strategy';

export type Strategies = Record<StrategyId, PageStrategy>;

interface BrowserStores {
  local: Storage;
  session: Storage;
  readCookies: () => string;
  dpopKeys?: DpopKeyStore;
}

/** One of each strategy over this browser's stores. A new strategy is one more line here and one file. */
export function createStrategies(stores: BrowserStores = browserStores()): Strategies {
  const strategies: Strategies = {
    localStorage: createWebStorageStrategy('localStorage', stores.local),
    sessionStorage: createWebStorageStrategy('sessionStorage', stores.session),
    memory: createMemoryStrategy(stores.readCookies),
    cookie: createCookieStrategy(stores.local),
    dpop: createDpopStrategy({ storage: stores.local, ...(stores.dpopKeys ? { keys: stores.dpopKeys } : {}) }),
  };
  return strategies;
}

export function browserStores(): BrowserStores {
  return { local: localStorage, session: sessionStorage, readCookies: readScriptVisibleCookies };
}

/** A lab session's record sits apart from the ordinary cookie session's, as its cookies do (attack lab, defences off). */
const LAB_COOKIE_RECORD = 'jwtlab.labCookieSession';

/** The cookie strategy for the attack lab's defences-off sessions: the server names their cookies apart too. */
export function createLabCookieStrategy(stores: BrowserStores = browserStores()): PageStrategy {
  return createCookieStrategy(stores.local, { recordKey: LAB_COOKIE_RECORD });
}

/** The strategies in the order the page lists them. */
export const listStrategies = (strategies: Strategies): PageStrategy[] => STRATEGY_IDS.map((id) => strategies[id]);

/** Exactly what a script on this page (an injected one too) gets from `document.cookie`. */
export function readScriptVisibleCookies(): string {
  return document.cookie;
}
