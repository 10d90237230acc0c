import { LoginRequest, LoginResponse, RefreshRequest, RegisterRequest, RegisterResponse, SessionResponse } from '@jwt-lab/shared';
import { Type } from 'typebox';
import { requireAuth, type RequestAuth } from '../auth/authenticate.js';
import { publicUser } from '../auth/public-user.js';
import { ApiError } from '../errors/api-error.js';
import { assertSameOrigin } from '../transports/csrf.js';
import { errorResponses, type App, type RouteContext } from './route-context.js';

const NoContent = Type.Null();

export async function authRoutes(app: App, { sessions, transports, hooks, accountLinks, deviceCookie }: RouteContext) {
  app.post(
    '/api/auth/register',
    { schema: { body: RegisterRequest, response: { 201: RegisterResponse, ...errorResponses(400, 403, 409, 413, 415, 429, 503) } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const { username, password, email } = request.body;
      const user = await sessions.register(username, password, request.ip, email);
      if (email) accountLinks.sendVerification(user).catch((error: unknown) => request.log.error({ err: error }, 'could not send the verification message'));
      return reply.status(201).send({ user: publicUser(user) });
    },
  );

  app.post(
    '/api/auth/login',
    { schema: { body: LoginRequest, response: { 200: LoginResponse, ...errorResponses(400, 401, 403, 413, 415, 429, 503) } } },
    async (request, reply) => {
      assertSameOrigin(request);
      const { username, password, mode } = request.body;
      const transport = transports.byMode(mode);
      // Before the password is hashed: a DPoP login without a valid proof costs us nothing.
      const binding = transport.bindLogin ? await transport.bindLogin(request) : undefined;
      const { issued, device } = await sessions.login(
        username,
        password,
        mode,
        { ip: request.ip, userAgent: request.headers['user-agent'], deviceToken: deviceCookie.read(request, username) },
        binding,
      );
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
      schema: { body: RefreshRequest, response: { 200: LoginResponse, ...errorResponses(400, 401, 403, 413, 415) } },
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
    { preHandler: hooks.authenticate, schema: { response: { 200: SessionResponse, ...errorResponses(401, 503) } } },
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
    '/api/auth/logout': (auth: RequestAuth) => sessions.logout(auth.session.id),
    '/api/auth/logout-all': (auth: RequestAuth) => sessions.logoutEverywhere(auth.user.id),
  };
  for (const [url, end] of Object.entries(endSessions)) {
    app.post(
      url,
      { preHandler: [hooks.authenticate, hooks.verifyOwnRequest], schema: { response: { 204: NoContent, ...errorResponses(401, 403, 503) } } },
      async (request, reply) => {
        const auth = requireAuth(request);
        await end(auth);
        transports.owning(auth.session).clear(reply);
        return reply.status(204).send(null);
      },
    );
  }
}
