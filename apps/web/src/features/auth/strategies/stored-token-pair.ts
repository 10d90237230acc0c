import { readExpiry } from '../../../lib/jwt';
import type { StoredCredential } from './strategy';

/** The two Storage keys a token pair is kept under. */
interface TokenPairKeys {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/**
 * An access and a refresh token kept in a Web Storage area, readable by any script of the page:
 * how the localStorage and sessionStorage strategies keep theirs, and DPoP too (whose tokens are
 * bound to the page's key, so that reading them is not enough).
 */
export function createStoredTokenPair(storage: Storage, keys: TokenPairKeys) {
  const accessToken = () => storage.getItem(keys.accessToken);
  const read = (): StoredCredential | null => {
    const token = accessToken();
    if (!token) return null;
    // An undecodable token counts as expired: the page refreshes it or gives up, never trusts it.
    return { stamp: token, expiresAt: readExpiry(token) ?? 0, accessToken: token };
  };
  return {
    /** The credential the stored access token makes, or null when none is stored. */
    read,
    accessToken,
    refreshToken: () => storage.getItem(keys.refreshToken),
    /** Keeps the pair a login or refresh handed over, replacing the previous one. */
    save(pair: { accessToken: string; refreshToken: string }): StoredCredential | null {
      storage.setItem(keys.accessToken, pair.accessToken);
      storage.setItem(keys.refreshToken, pair.refreshToken);
      return read();
    },
    forget() {
      storage.removeItem(keys.accessToken);
      storage.removeItem(keys.refreshToken);
    },
  };
}
