import type { RotationResult, SessionRecord } from '../types.js';
import type { RevocationNotice } from './confirmations.js';
import type { RevocationView } from './revocation-view.js';

// The session-store steps that are the same for every engine whose instances share sessions
// through a revocation view (Redis, PostgreSQL): reads answered from memory, writes reflected in
// it, and revoking writes confirmed by every instance. Only the queries differ per engine.

/** The remembered session if there is one; else `load` reads it and it is remembered, unless trust was lost during the read. */
export async function findRemembered(view: RevocationView, id: string, load: () => Promise<SessionRecord | undefined>): Promise<SessionRecord | undefined> {
  const known = view.recall(id);
  if (known) return known;
  const epoch = view.trust.epoch;
  const session = await load();
  if (!session) return undefined;
  view.remember(session, epoch);
  return view.withRevocation(session);
}

/**
 * A write that may revoke (the confirmation protocol of confirmations.ts): returns once every
 * instance that received the news has applied it, so that the client's next request is refused
 * whichever instance gets it.
 */
export function confirmedRevocation<Reply, T>(
  view: RevocationView,
  run: (notice: RevocationNotice) => Promise<Reply>,
  read: (reply: Reply) => { value: T; revokedIds: readonly string[]; receivers: number },
  now: number,
): Promise<T> {
  return view.confirmations.confirmRevocation(run, read, (ids) => view.noteRevoked(ids, now));
}

/** A successful rotation changes the remembered copy; the other outcomes revoked or ended it. */
export function rememberRotation(view: RevocationView, id: string, result: RotationResult, next: { jti: string; expiresAt: number }): void {
  const cached = view.recall(id);
  if (result === 'rotated' && cached) view.remember({ ...cached, refreshJti: next.jti, expiresAt: next.expiresAt });
}

/** Last use only moves forward, as in the stores' own update. */
export function rememberUse(view: RevocationView, id: string, at: number): void {
  const cached = view.recall(id);
  if (cached && cached.lastUsedAt < at) view.remember({ ...cached, lastUsedAt: at });
}
