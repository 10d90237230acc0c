/** The two kinds of single-use link, named as they appear in the fragment: `/#reset-password?token=…`. */
export type LinkPurpose = 'reset-password' | 'verify-email';

export interface LandedLink {
  purpose: LinkPurpose;
  /** Empty when the link arrived without one (cut short in a copy and paste). */
  token: string;
}

const PURPOSES: readonly string[] = ['reset-password', 'verify-email'] satisfies LinkPurpose[];

const isPurpose = (route: string): route is LinkPurpose => PURPOSES.includes(route);

/**
 * Reads a single-use link from the address and at once removes it from the address bar and from
 * this history entry (`replaceState` keeps the path and drops the fragment): a token left there
 * shows on a shared screen, stays in the history list and is read by every later script. Any
 * other fragment is left alone, and gives null.
 */
export function takeLinkFromAddress(location: Location = window.location, history: History = window.history): LandedLink | null {
  const fragment = location.hash.slice(1);
  const queryAt = fragment.indexOf('?');
  const route = queryAt === -1 ? fragment : fragment.slice(0, queryAt);
  if (!isPurpose(route)) return null;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  const token = queryAt === -1 ? null : new URLSearchParams(fragment.slice(queryAt + 1)).get('token');
  return { purpose: route, token: token ?? '' };
}

// Taken when this module is first evaluated: main.tsx imports the app before it starts the session,
// so the token has left the address before the page makes its first request.
const landedWithPage = takeLinkFromAddress();

/** The link the page was opened with, or one in the address now. */
export function takeLandedLink(): LandedLink | null {
  return landedWithPage ?? takeLinkFromAddress();
}
