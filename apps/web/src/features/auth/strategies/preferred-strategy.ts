import { isStrategyId, type StrategyId } from './strategy';

export const PREFERRED_STRATEGY_KEY = 'jwtlab.mode';

/** The strategy picked last time, so that a reload keeps the choice even when logged out. */
export function readPreferredStrategy(storage: Storage = localStorage): StrategyId {
  const saved = storage.getItem(PREFERRED_STRATEGY_KEY);
  if (isStrategyId(saved)) return saved;
  // What the page saved before it had five strategies.
  return saved === 'cookie' ? 'cookie' : 'localStorage';
}

export function savePreferredStrategy(id: StrategyId, storage: Storage = localStorage): void {
  storage.setItem(PREFERRED_STRATEGY_KEY, id);
}
