import type { WeakenedDefence } from '@jwt-lab/shared';
import { createBoundedMap } from '../collections/bounded-map.js';
import { createCookieTransport, EVERY_DEFENCE, type CookieDefences, type CookieTransportOptions } from '../transports/cookie-transport.js';
import type { SessionRecord } from '../stores/types.js';
import type { CredentialTransport } from '../transports/transport.js';

/**
 * A lab session's own cookie names: it never overwrites the browser's ordinary cookie session, and
 * a request carrying both is judged by the ordinary one. One lab session per browser at a time.
 */
export const LAB_ACCESS_COOKIE = 'jwtlab_lab_access';
export const LAB_REFRESH_COOKIE = 'jwtlab_lab_refresh';

/** Lab sessions remembered at once; an older one forgotten gets every defence back (and loses its lab cookies' use). */
const WEAKENED_SESSIONS_KEPT = 1_000;

function defencesWithout(weaken: readonly WeakenedDefence[]): CookieDefences {
  return {
    sameSite: weaken.includes('samesite-none') ? 'none' : weaken.includes('samesite-lax') ? 'lax' : 'strict',
    csrfToken: !weaken.includes('no-csrf-token'),
    originCheck: !weaken.includes('no-origin-check'),
  };
}

/**
 * "Defences off, on purpose": cookie-mode sessions created by the attack lab without some of the
 * defences every other session has, so that its cross-site run shows the forged request that then
 * gets through, and which defence had stopped it. Created only while ATTACK_LAB is on, and kept
 * only in this process's memory: off, or after a restart, no session is weakened (the lab's
 * cookies are then judged with every defence, and cannot refresh).
 */
export function createWeakenedSessions(options: CookieTransportOptions) {
  const weakened = createBoundedMap<string, readonly WeakenedDefence[]>({ capacity: WEAKENED_SESSIONS_KEPT });
  const defencesOf = (sessionId: string) => {
    const weaken = weakened.get(sessionId);
    return weaken === undefined ? EVERY_DEFENCE : defencesWithout(weaken);
  };
  const cookies = createCookieTransport(options, {
    accessCookie: LAB_ACCESS_COOKIE,
    refreshCookie: LAB_REFRESH_COOKIE,
    defencesOf,
    sessionDetails: (session) => {
      const weaken = weakened.get(session.id);
      return weaken === undefined ? { csrfToken: session.csrfToken } : { csrfToken: session.csrfToken, weakened: [...weaken] };
    },
  });
  const transport = { ...cookies, owns: (session: SessionRecord) => weakened.has(session.id) } satisfies CredentialTransport;

  return {
    transport,
    /** Marks a new session as going without these defences, before its cookies are set. */
    weaken(sessionId: string, weaken: readonly WeakenedDefence[]): void {
      weakened.set(sessionId, [...weaken]);
    },
  };
}

export type WeakenedSessions = ReturnType<typeof createWeakenedSessions>;
