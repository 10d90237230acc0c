import { LoginRequest, LoginResponse, RefreshRequest, RegisterRequest, RegisterResponse, SessionResponse } from '@jwt-lab/shared';
import { Type } from 'typebox';
import { requireAuth, type RequestAuth } from '../auth/authenticate.js';
import { publicUser } from '../auth/public-user.js';
import { CHANGES_WITH_ACCESS_TOKEN, READS_WITH_ACCESS_TOKEN, REFRESHES_WITH_REFRESH_TOKEN } from '../api-reference/security.js';
import { ApiError } from '../errors/api-error.js';
import { assertSameOrigin } from '../transports/csrf.js';
import { ACCESS_TOKEN_REFUSALS, errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import type { RouteContext } from './route-context.js';

const NoContent = Type.Null();

export async function authRoutes(app: App, { sessions, transports, hooks, accountLinks, deviceCookie }: RouteContext) {
  app.post(
    '/api/auth/register',
    { schema: { summary: 'Create an account (and, with an email, send it a verification link).', body: RegisterRequest, response: { 201: RegisterResponse, ...errorResponses('invalid_request', 403, 409, 413, 415, 429, 503) } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const { username, password, email } = request.body;
      const user = await sessions.register(username, password, request.ip, email);
      if (email) accountLinks.queueVerification(user, (error) => request.log.error({ err: error }, 'could not send the verification message'));
      return reply.status(201).send({ user: publicUser(user) });
    },
  );

  app.post(
    '/api/auth/login',
    { schema: { summary: 'Log in: header mode answers the tokens, cookie mode sets them as HttpOnly cookies.', body: LoginRequest, response: { 200: LoginResponse, ...errorResponses('invalid_request', 401, 403, 413, 415, 429, 503) } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const { username, password, mode } = request.body;
      const transport = transports.byMode(mode);
      // Before the password is hashed: a DPoP login without a valid proof costs us nothing.
      const binding = transport.bindLogin ? await transport.bindLogin(request) : undefined;
      const { issued, device } = await sessions.login(username, password, mode, deviceCookie.loginClient(request, username), binding);
      deviceCookie.set(reply, username, device);
      return transport.deliver(reply, issued);
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      // A cookie-mode refresh may come with no body at all: that is the empty request.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { summary: 'Trade a refresh token for new tokens; each refresh token works once.', security: REFRESHES_WITH_REFRESH_TOKEN, body: RefreshRequest, response: { 200: LoginResponse, ...errorResponses('invalid_request', 401, 403, 413, 415) } },
    },
    async (request, reply) => {
      const carried = transports.carryingRefreshToken(request);
      if (!carried) throw new ApiError('missing_token', 'Send the refresh token (in the body, or as the refresh cookie).');
      const { transport, refreshToken } = carried;
      // Runs before the token is spent, so a forged or misdirected request costs the user nothing.
      const issued = await sessions.refresh(refreshToken, async (session, claims) => {
        const owner = transports.owning(session);
        if (owner !== transport) {
          const refused = new ApiError('invalid_token', `This refresh token belongs to a ${session.mode}-mode session: send it the way that mode does.`);
          throw owner.access.challenge === undefined ? refused : owner.access.challenge(refused);
        }
        await transport.assertOwnRefresh(request, session, claims.cnf);
      }).catch((error: unknown) => {
        // Answered in the terms of the scheme the client used (a DPoP client gets a DPoP challenge).
        throw transport.access.challenge === undefined ? error : transport.access.challenge(error);
      });
      return transport.deliver(reply, issued);
    },
  );

  app.get(
    '/api/auth/session',
    { preHandler: hooks.authenticate, schema: { summary: 'Who this credential speaks for, and until when.', security: READS_WITH_ACCESS_TOKEN, response: { 200: SessionResponse, ...errorResponses(...ACCESS_TOKEN_REFUSALS, 503) } } },
    async (request) => {
      const { user, claims, session, carrier } = requireAuth(request);
      return {
        user,
        mode: session.mode,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        ...carrier.sessionDetails(session),
      };
    },
  );

  // Logout ends this session; logout-all every session of the user. Both clear the cookies of the
  // session's own strategy (memory mode's refresh cookie too, though its access token came as Bearer).
  const endSessions = {
    '/api/auth/logout': { summary: 'End this session.', end: (auth: RequestAuth) => sessions.logout(auth.session.id) },
    '/api/auth/logout-all': { summary: 'End every session of this user.', end: (auth: RequestAuth) => sessions.logoutEverywhere(auth.user.id) },
  };
  for (const [url, { summary, end }] of Object.entries(endSessions)) {
    app.post(
      url,
      { preHandler: [hooks.authenticate, hooks.verifyOwnRequest], schema: { summary, security: CHANGES_WITH_ACCESS_TOKEN, response: { 204: NoContent, ...errorResponses(...ACCESS_TOKEN_REFUSALS, 403, 503) } } },
      async (request, reply) => {
        const auth = requireAuth(request);
        await end(auth);
        transports.owning(auth.session).clear(reply);
        return reply.status(204).send(null);
      },
    );
  }
}
