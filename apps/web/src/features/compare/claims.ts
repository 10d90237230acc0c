/**
 * The comparison in plain words: one claim per strategy and topic, each pointing at the
 * side-by-side cell whose experiment shows it (`experiment`), or at the part of the page where it
 * shows. Words are typed in here; the proof is the run, which the link leads to.
 */

interface Claim {
  text: string;
  /** The side-by-side column that shows it, or null when another part of the page does. */
  experiment: string | null;
}

interface Topic {
  topic: string;
  /** Where the page shows it when no side-by-side column does. */
  elsewhere?: { href: string; label: string };
  claims: Record<string, Claim>;
}

export const TOPICS: Topic[] = [
  {
    topic: 'An injected script reads the token',
    claims: {
      localStorage: { text: 'Yes: both tokens sit in localStorage, readable by any script on the page.', experiment: 'xssReads' },
      sessionStorage: { text: 'Yes: sessionStorage is as readable as localStorage; it is only per tab.', experiment: 'xssReads' },
      memory: { text: 'Yes, still: no storage holds it, but the script wraps fetch and catches it on the wire, or asks the refresh route for a fresh one.', experiment: 'xssReads' },
      cookie: { text: 'No: HttpOnly cookies never appear in document.cookie.', experiment: 'xssReads' },
      dpop: { text: 'Yes: the tokens sit in localStorage. Reading them is not the point any more (see the next row).', experiment: 'xssReads' },
    },
  },
  {
    topic: 'A stolen token works elsewhere',
    claims: {
      localStorage: { text: 'Yes, until it expires or the session is revoked; the refresh token mints new ones.', experiment: 'stolenWorks' },
      sessionStorage: { text: 'Yes, exactly as localStorage’s.', experiment: 'stolenWorks' },
      memory: { text: 'Yes, the access token until it expires; the refresh token stays in its HttpOnly cookie, so the thief cannot mint more from afar.', experiment: 'stolenWorks' },
      cookie: { text: 'No: nothing left the browser to replay.', experiment: 'stolenWorks' },
      dpop: { text: 'No: without a proof signed by the page’s key, which cannot be exported, the server refuses it.', experiment: 'stolenWorks' },
    },
  },
  {
    topic: 'A script acts as you from the open page',
    claims: {
      localStorage: { text: 'Yes.', experiment: 'scriptActs' },
      sessionStorage: { text: 'Yes.', experiment: 'scriptActs' },
      memory: { text: 'Yes.', experiment: 'scriptActs' },
      cookie: { text: 'Yes: the browser attaches the cookie to the script’s requests too (session riding).', experiment: 'scriptActs' },
      dpop: { text: 'Yes: the script asks the browser to sign proofs with the page’s key; it cannot take the key away.', experiment: 'scriptActs' },
    },
  },
  {
    topic: 'Another site forges a request',
    claims: {
      localStorage: { text: 'Nothing to ride on: a browser never adds an Authorization header by itself.', experiment: 'forgedWorks' },
      sessionStorage: { text: 'Nothing to ride on, as localStorage.', experiment: 'forgedWorks' },
      memory: { text: 'The refresh cookie is SameSite=Strict and goes to the refresh route only, which also wants the CSRF token.', experiment: 'forgedWorks' },
      cookie: { text: 'The browser adds cookies by itself, so SameSite, the CSRF token, the Origin check and JSON-only bodies must stop it; see the defences-off rows for what gets through without them.', experiment: 'forgedWorks' },
      dpop: { text: 'Nothing to ride on, and a forged request could not sign a proof.', experiment: 'forgedWorks' },
    },
  },
  {
    topic: 'A reload keeps you logged in',
    claims: {
      localStorage: { text: 'Yes.', experiment: 'survivesReload' },
      sessionStorage: { text: 'Yes: a reload keeps the tab’s sessionStorage.', experiment: 'survivesReload' },
      memory: { text: 'Yes, by a refresh: the token died with the page, the refresh cookie did not.', experiment: 'survivesReload' },
      cookie: { text: 'Yes.', experiment: 'survivesReload' },
      dpop: { text: 'Yes: the tokens are in localStorage and the key in IndexedDB; clear IndexedDB and the session is gone.', experiment: 'survivesReload' },
    },
  },
  {
    topic: 'A new tab shares the session, and its logout',
    claims: {
      localStorage: { text: 'Yes, and a logout in one tab ends it in all.', experiment: 'newTabShares' },
      sessionStorage: { text: 'No: every tab logs in on its own.', experiment: 'newTabShares' },
      memory: { text: 'Yes, by a refresh with the shared cookie.', experiment: 'newTabShares' },
      cookie: { text: 'Yes: the cookies are the browser’s.', experiment: 'newTabShares' },
      dpop: { text: 'Yes: the tokens and the key belong to the origin.', experiment: 'newTabShares' },
    },
  },
  {
    topic: 'Mobile apps and API clients',
    elsewhere: { href: '#private-data', label: 'Private data: the server reports “via”' },
    claims: {
      localStorage: { text: 'Natural: any client can send a header.', experiment: null },
      sessionStorage: { text: 'Natural, as localStorage.', experiment: null },
      memory: { text: 'Needs a cookie jar for the refresh cookie, and the CSRF token.', experiment: null },
      cookie: { text: 'Awkward: the client needs a cookie jar, and the CSRF token on top.', experiment: null },
      dpop: { text: 'Natural, and any client with a key pair can sign proofs (RFC 9449 is written for them).', experiment: null },
    },
  },
];
