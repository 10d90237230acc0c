/** Refresh this long before expiry at most (a quarter of the remaining time when tokens are short-lived). */
const MAX_REFRESH_LEAD_MS = 30_000;
/** A token this close to expiry is refreshed before it is used, rather than sent to die in transit. */
const USE_MARGIN_MS = 2_000;
/** After a failed refresh (the server restarting?), try again this soon rather than let the token run out. */
export const RETRY_AFTER_FAILURE_MS = 10_000;

/** How long to wait before the silent refresh of a token that expires at `expiresAt`. */
export function refreshDelay(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  return Math.max(0, remaining - Math.min(MAX_REFRESH_LEAD_MS, remaining / 4));
}

export const nearExpiry = (expiresAt: number, now: number) => expiresAt - now < USE_MARGIN_MS;
