import { expect } from 'vitest';
import { StoreUnavailableError, type SessionRecord, type SessionStore } from '../../src/stores/types.js';
import { waitFor } from './wait-for.js';

/** Whether `run` fails closed: rejects with StoreUnavailableError (the app answers 503), rather than answering. */
export const failsClosed = async (run: () => Promise<unknown>) => run().then(() => false, (error: unknown) => error instanceof StoreUnavailableError);

/** A session store over a revocation view (remembered-sessions.ts): it says whether it trusts its view. */
type ViewSessionStore = SessionStore & { isCurrent(): boolean };

export interface CutFromTheFeed {
  /** Two instances of one deployment; `session` is stored and not yet seen by `b`. */
  a: ViewSessionStore;
  b: ViewSessionStore;
  session: SessionRecord;
  /** A session record stored nowhere, for a create that `b` must refuse. */
  unstored: SessionRecord;
  /** Cuts `b` from the engine's messages the engine's way (its connections closed by the server). */
  cutB(): Promise<unknown>;
  /** How soon `b` must notice the cut. */
  noticeWithinMs: number;
}

/**
 * The engine-neutral promise of docs/decisions/005: an instance cut from the revocation messages
 * refuses every session operation, and once it has resynchronised by itself it knows the
 * revocation it missed while away.
 */
export async function expectFailsClosedAndKeepsMissedRevocation({ a, b, session, unstored, cutB, noticeWithinMs }: CutFromTheFeed) {
  expect((await b.find(session.id))?.revokedAt).toBeNull(); // now in B's memory

  await cutB();
  await waitFor(() => failsClosed(() => b.find(session.id)), noticeWithinMs);
  await expect(b.revoke(session.id, Date.now())).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(b.create(unstored)).rejects.toBeInstanceOf(StoreUnavailableError);

  const revokedAt = Date.now();
  await a.revoke(session.id, revokedAt); // B is not listening now
  await waitFor(() => b.isCurrent(), 5_000);
  expect((await b.find(session.id))?.revokedAt).toBe(revokedAt);
}
