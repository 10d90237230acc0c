import { LinkRequest, LinkRequestAccepted, OutboxResponse, PasswordResetRequest, PasswordResetResponse, VerifyEmailRequest, VerifyEmailResponse } from '@jwt-lab/shared';
import { assertSameOrigin } from '../transports/csrf.js';
import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { RouteContext } from './route-context.js';

const ACCEPTED = 'If an account has this address, a message is on its way. The link in it works once, for a short while.';

export async function accountLinkRoutes(app: App, { accountLinks, linkRequestLimits, outbox, outboxPage }: RouteContext) {
  // The two request routes answer 202 with one body whatever the address, and send after answering.
  for (const [url, summary, send] of [
    ['/api/auth/verify-email/request', 'Send a verification link to this address (the same answer whether or not an account has it).', accountLinks.requestVerification],
    ['/api/auth/password-reset/request', 'Send a password-reset link to this address (the same answer whether or not an account has it).', accountLinks.requestPasswordReset],
  ] as const) {
    app.post(url, { schema: { summary, body: LinkRequest, response: { 202: LinkRequestAccepted, ...errorResponses('invalid_request', 403, 413, 415, 429) } } }, async (request, reply) => {
      assertSameOrigin(request);
      const { email } = request.body;
      await linkRequestLimits.count(request.ip, email); // every request counts, whatever the address
      send(email, (error) => request.log.error({ err: error }, 'could not send a link'));
      return reply.status(202).send({ message: ACCEPTED });
    });
  }

  app.post('/api/auth/verify-email', { schema: { summary: 'Spend a verification link: the address is confirmed.', body: VerifyEmailRequest, response: { 200: VerifyEmailResponse, ...errorResponses(400, 403, 410, 413, 415) } } }, async (request) => {
    assertSameOrigin(request);
    const { user, email } = await accountLinks.verifyEmail(request.body.token);
    return { user, email, message: `${email} is confirmed.` };
  });

  app.post('/api/auth/password-reset', { schema: { summary: 'Spend a reset link: set a new password and end every session of the user.', body: PasswordResetRequest, response: { 200: PasswordResetResponse, ...errorResponses(400, 403, 410, 413, 415, 429, 503) } } }, async (request) => {
    assertSameOrigin(request);
    const { user, sessionsRevoked } = await accountLinks.resetPassword(request.body.token, request.body.password, request.ip);
    return { user, sessionsRevoked, message: `Your password is changed, and every session of ${user.username} has been logged out (${sessionsRevoked}). Log in with the new password.` };
  });

  // Every message with its live link: only for local runs (OUTBOX_PAGE, off when NODE_ENV=production).
  // Off, it answers 200 with nothing rather than 404, so the page's look costs no console error.
  app.get('/api/outbox', { schema: { summary: 'The local outbox (every message and its link), for local runs only.', response: { 200: OutboxResponse } } }, async () =>
    outboxPage ? { enabled: true, messages: await outbox.list() } : { enabled: false, messages: [] },
  );
}
