import type { AccessTokenClaims } from '@jwt-lab/shared';
import { createBoundedMap } from '../collections/bounded-map.js';

export interface VerifiedTokenCacheStats {
  hits: number;
  misses: number;
  size: number;
  capacity: number;
}

/**
 * Remembers access tokens whose signature and claims were already verified, so that a token seen
 * again skips the signature check (jose verifies through WebCrypto, an async job per call).
 *
 * - Keyed by the WHOLE token string, never a prefix or a short hash: two tokens share an entry only
 *   if they are the same bytes (fast-jwt once had a cache-key collision advisory).
 * - An entry is dropped at its token's `exp`, checked on every read with the injected clock.
 * - Bounded: the oldest entry leaves when the cache is full. Not least-recently-used: reordering
 *   on every hit cost 11% of /api/private's throughput, and entries die at exp anyway.
 * - A key removed from the ring takes its tokens with it (keepSignedBy).
 * - It never answers for revocation: sessions are still checked on every request, after this.
 */
export function createVerifiedTokenCache({ capacity, now }: { capacity: number; now: () => number }) {
  const entries = createBoundedMap<string, { claims: AccessTokenClaims; kid: string }>({ capacity });
  let hits = 0;
  let misses = 0;

  return {
    get(token: string): AccessTokenClaims | undefined {
      const entry = entries.get(token);
      if (entry === undefined) {
        misses++;
        return undefined;
      }
      const { claims } = entry;
      if (claims.exp * 1000 <= now()) {
        entries.delete(token);
        misses++;
        return undefined;
      }
      hits++;
      return claims;
    },

    /** `kid`: the key that signed it, so that removing the key forgets its tokens (keepSignedBy). */
    set(token: string, claims: AccessTokenClaims, kid: string): void {
      entries.set(token, { claims, kid });
    },

    /** Forgets every token signed by a key that is no longer in the ring: its signature proves nothing now. */
    keepSignedBy(kids: ReadonlySet<string>): void {
      for (const [token, entry] of entries.entries()) if (!kids.has(entry.kid)) entries.delete(token);
    },

    stats: (): VerifiedTokenCacheStats => ({ hits, misses, size: entries.size, capacity }),
  };
}

export type VerifiedTokenCache = ReturnType<typeof createVerifiedTokenCache>;
