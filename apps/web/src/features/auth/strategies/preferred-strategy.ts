import { isStrategyId, type StrategyId } from './strategy';

export const PREFERRED_STRATEGY_KEY = 'jwtlab.mode';

/** The strategy picked last time, so that a reload keeps the choice even when logged out. */
export function readPreferredStrategy(storage: Storage = localStorage): StrategyId {
  const saved = storage.getItem(PREFERRED_STRATEGY_KEY);
  // Anything else, such as the 'header' an older page saved before it had five strategies, is
  // read as localStorage ('cookie' kept its name and is a strategy id as it is).
  return isStrategyId(saved) ? saved : 'localStorage';
}

export function savePreferredStrategy(id: StrategyId, storage: Storage = localStorage): void {
  storage.setItem(PREFERRED_STRATEGY_KEY, id);
}
