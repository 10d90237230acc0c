import type { DpopKeyStore } from '../features/auth/strategies/dpop-key-store';

/** A DPoP key store in memory, for tests of the session logic (the IndexedDB one has its own test). */
export function createMemoryKeyStore(): DpopKeyStore & { current(): CryptoKeyPair | null } {
  let pair: CryptoKeyPair | null = null;
  return {
    current: () => pair,
    load: async () => pair,
    save: async (next) => void (pair = next),
    remove: async () => void (pair = null),
  };
}
