import { describe, expect, it } from 'vitest';
import { newSessionRecord } from '../../../test/support/session-record.js';
import { createRevocationView } from './revocation-view.js';

/** A view whose trust is current, as after its feed's first resynchronisation. */
function currentView(sessionCacheSize: number) {
  const view = createRevocationView({ accessTokenTtlMs: 60_000, sessionCacheSize, confirmationTimeoutMs: 1_000, sendConfirmation: () => {} });
  view.trust.settle(view.trust.beginResync()!, 'test');
  return view;
}

describe("the revocation view's session cache", () => {
  it('keeps at most sessionCacheSize sessions: the one written longest ago leaves first, a recall does not keep it', () => {
    const view = currentView(2);
    const [first, second, third] = [newSessionRecord(0), newSessionRecord(0), newSessionRecord(0)];
    view.remember(first);
    view.remember(second);
    expect(view.recall(first.id)).toEqual(first);
    view.remember(third);
    expect(view.recall(first.id)).toBeUndefined();
    expect(view.recall(second.id)).toEqual(second);
    expect(view.recall(third.id)).toEqual(third);
    // A rewrite makes the session the newest.
    view.remember({ ...second, lastUsedAt: 5 });
    view.remember(first);
    expect(view.recall(third.id)).toBeUndefined();
    expect(view.recall(second.id)).toEqual({ ...second, lastUsedAt: 5 });
  });

  it('keeps a copy: changing the record it was given changes nothing remembered', () => {
    const view = currentView(2);
    const session = newSessionRecord(0);
    view.remember(session);
    session.refreshJti = 'changed afterwards';
    expect(view.recall(session.id)?.refreshJti).not.toBe('changed afterwards');
  });

  it('forgets every session on a loss of trust, and refuses a read begun before it', () => {
    const view = currentView(10);
    const session = newSessionRecord(0);
    view.remember(session);
    const readInEpoch = view.trust.epoch;
    view.trust.distrust('connection lost');
    expect(view.recall(session.id)).toBeUndefined();
    view.remember(session, readInEpoch);
    expect(view.recall(session.id)).toBeUndefined();
    view.remember(session);
    expect(view.recall(session.id)).toEqual(session);
  });

  it('forgets the copy of a revoked or changed session, and keeps answering the revocation', () => {
    const view = currentView(10);
    const [revoked, changed] = [newSessionRecord(0), newSessionRecord(0)];
    view.remember(revoked);
    view.remember(changed);
    view.receive(JSON.stringify({ revoked: [revoked.id], at: 7, from: 'another instance', notice: '1' }));
    view.receive(JSON.stringify({ changed: changed.id }));
    expect(view.recall(revoked.id)).toBeUndefined();
    expect(view.recall(changed.id)).toBeUndefined();
    expect(view.withRevocation(revoked).revokedAt).toBe(7);
  });

  it('forgets expired sessions, and holds nothing when its size is 0', () => {
    const view = currentView(10);
    const [ending, lasting] = [newSessionRecord(0, { expiresAt: 1_000 }), newSessionRecord(0)];
    view.remember(ending);
    view.remember(lasting);
    view.forgetExpired(1_000);
    expect(view.recall(ending.id)).toBeUndefined();
    expect(view.recall(lasting.id)).toEqual(lasting);

    const none = currentView(0);
    none.remember(lasting);
    expect(none.recall(lasting.id)).toBeUndefined();
  });
});
