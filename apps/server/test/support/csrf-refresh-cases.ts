import type { LightMyRequestResponse } from 'fastify';
import { expect, it } from 'vitest';
import { errorOf, FOREIGN_ORIGIN, SAME_ORIGIN } from './test-app.js';

/** A mode whose refresh token travels in a cookie, so that its refresh must carry X-CSRF-Token (double submit). */
export interface CsrfRefreshMode<Session extends { csrfToken: string }> {
  /** Registers a new user and logs in in this mode. */
  login(): Promise<Session>;
  /** POST /api/auth/refresh with the session's refresh cookie and exactly these headers. */
  refresh(session: NoInfer<Session>, headers: Record<string, string>): Promise<LightMyRequestResponse>;
  /** GET /api/private with the access credential that `refreshed` handed out, sent this mode's way. */
  readPrivateWith(refreshed: LightMyRequestResponse): Promise<LightMyRequestResponse>;
}

/**
 * The refresh cases every cookie-carried refresh token must pass, whatever carries the access
 * token: a refresh without the session's own CSRF token, or from a foreign Origin, is refused and
 * spends nothing; a replayed refresh cookie ends the session. Call it inside the mode's `describe`.
 */
export function itRefusesForgedCookieRefreshes<Session extends { csrfToken: string }>(mode: CsrfRefreshMode<Session>) {
  it.each([
    ['no X-CSRF-Token', SAME_ORIGIN, false],
    ['a wrong X-CSRF-Token', { ...SAME_ORIGIN, 'x-csrf-token': 'x'.repeat(43) }, false],
    ['a foreign Origin, even with the right token', FOREIGN_ORIGIN, true],
  ])('refuses %s with 403 csrf_failed, sets no cookie and spends nothing', async (_case, headers, withRightToken) => {
    const session = await mode.login();
    const forged = await mode.refresh(session, { ...headers, ...(withRightToken ? { 'x-csrf-token': session.csrfToken } : {}) });
    expect(errorOf(forged)).toMatchObject({ status: 403, error: 'csrf_failed' });
    expect(forged.headers['set-cookie']).toBeUndefined();
    // The refused request did not use up the refresh token: the real page can still refresh.
    const genuine = await mode.refresh(session, { ...SAME_ORIGIN, 'x-csrf-token': session.csrfToken });
    expect(genuine.statusCode).toBe(200);
  });

  it("refuses another session's CSRF token", async () => {
    const victim = await mode.login();
    const attacker = await mode.login();
    const response = await mode.refresh(victim, { 'x-csrf-token': attacker.csrfToken });
    expect(errorOf(response)).toMatchObject({ status: 403, error: 'csrf_failed' });
  });

  it('detects a replayed refresh cookie and ends the session: the newest access token fails too', async () => {
    const session = await mode.login();
    const first = await mode.refresh(session, { 'x-csrf-token': session.csrfToken });
    expect(first.statusCode).toBe(200);
    const replay = await mode.refresh(session, { 'x-csrf-token': session.csrfToken });
    expect(errorOf(replay)).toMatchObject({ status: 401, error: 'refresh_token_reused' });
    expect(replay.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(errorOf(await mode.readPrivateWith(first))).toMatchObject({ status: 401, error: 'token_revoked' });
  });
}
