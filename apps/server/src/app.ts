import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import apiReference from './api-reference/api-reference.js';
import attackLab from './attack-lab/attack-lab.js';
import { attackerConnectSources } from './attack-lab/site-origins.js';
import { createWeakenedSessions } from './attack-lab/weakened-sessions.js';
import { createAuthHooks } from './auth/authenticate.js';
import { createAccountLinks } from './auth/account-links.js';
import { createHashQueue } from './auth/hash-queue.js';
import { createPasswordHasher } from './auth/passwords.js';
import {
  createLinkRequestLimits,
  createLoginLimits,
  createPerClientLimit,
  DEFAULT_LINK_REQUEST_LIMITS,
  DEFAULT_LOGIN_LIMITS,
  DEFAULT_PER_CLIENT_HASH_LIMITS,
} from './auth/request-limits.js';
import { createSessionService } from './auth/session-service.js';
import type { Config } from './config/config.js';
import errorHandler, { answerClientError, answerFrameworkError } from './plugins/error-handler.js';
import hostAllowlist from './plugins/host-allowlist.js';
import securityHeaders from './plugins/security-headers.js';
import webApp from './plugins/web-app.js';
import { createFileOutbox } from './outbox/outbox.js';
import { createSendQueue, type SendQueue } from './outbox/send-queue.js';
import { accountLinkRoutes } from './routes/account-link-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { privateRoutes } from './routes/private-routes.js';
import { publicRoutes } from './routes/public-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import type { RouteContext } from './routes/route-context.js';
import { REQUEST_LOG_OPTIONS } from './request-log.js';
import { createAppOrigins } from './site/app-origins.js';
import { createStores } from './stores/create-stores.js';
import type { Stores } from './stores/types.js';
import { createDpopNonces, createDpopProofVerifier } from './tokens/dpop-proofs.js';
import { loadKeyRing } from './tokens/key-ring.js';
import { createTokenService } from './tokens/token-service.js';
import { createDeviceCookie } from './transports/device-cookie.js';
import { createTransports } from './transports/transports.js';

export interface AppOptions {
  config: Config;
  /** Milliseconds since the epoch; tests inject a clock they can move. */
  now?: () => number;
  /** Where log lines go (tests capture them to prove no secret is logged). */
  logStream?: NodeJS.WritableStream;
  /** Built SPA to serve at `/`; null serves the API only. */
  webRoot?: string | null;
  loginThrottle?: Partial<typeof DEFAULT_LOGIN_LIMITS>;
  linkRequestThrottle?: Partial<typeof DEFAULT_LINK_REQUEST_LIMITS>;
  /** Bounds of the password-hash queue (defaults: one hash per core in flight, HASH_QUEUE_WAIT_MS). */
  hashQueue?: { maxInFlight?: number; maxWaitMs?: number; maxWaiting?: number };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Mail that handlers send after answering; drained when the app closes (tests await it too). */
    sends: SendQueue;
  }
}

/**
 * "More hashes waiting than the server can finish in a few seconds" (the contract): past three seconds
 * of expected wait a login is answered 503 server_busy at once. At 15-25 ms a hash on two cores that
 * is about 300 waiting; the hard cap bounds memory whatever the speed.
 */
const HASH_QUEUE_WAIT_MS = 3_000;
const HASH_QUEUE_MAX_WAITING = 1_000;

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');
const BODY_LIMIT_BYTES = 16 * 1024;
const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const KEY_RELOAD_INTERVAL_MS = 5 * 1000;

export async function buildApp(options: AppOptions) {
  const { config } = options;
  const now = options.now ?? Date.now;
  const logger: FastifyServerOptions['logger'] = {
    level: config.logLevel,
    ...REQUEST_LOG_OPTIONS,
    ...(options.logStream ? { stream: options.logStream } : {}),
  };

  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Client addresses (for the login limit) come from X-Forwarded-For only from trusted proxies.
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Strict JSON: no type coercion ("12345678" stays a string, 12345678 is refused), no silent stripping.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const stores: Stores = await createStores({ ...config, now }, app.log);
  const sends = createSendQueue();
  app.decorate('sends', sends);
  // Messages still on their way go out before the stores they read from close.
  app.addHook('onClose', async () => {
    await sends.drain();
    await stores.close();
  });

  const keys = await loadKeyRing({
    alg: config.jwtAlg,
    storage: stores.signingKeys,
    secret: config.jwtSecret,
    previousSecret: config.jwtPreviousSecret,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    now,
  });
  const tokens = createTokenService({
    keys,
    issuer: config.issuer,
    audience: config.audience,
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    linkTokenTtl: config.linkTokenTtl,
    deviceTokenTtl: config.sessionMaxAge,
    now,
  });
  const origins = createAppOrigins({ publicUrl: config.publicUrl, host: config.host, port: config.port, allowedHosts: config.allowedHosts });
  app.decorate('appOrigins', origins);
  // PORT=0: links and own origins know the port only once the app listens.
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (address !== null && typeof address === 'object') origins.bind(address.port);
  });
  const queue = createHashQueue({
    maxInFlight: options.hashQueue?.maxInFlight ?? availableParallelism(),
    maxWaitMs: options.hashQueue?.maxWaitMs ?? HASH_QUEUE_WAIT_MS,
    maxWaiting: options.hashQueue?.maxWaiting ?? HASH_QUEUE_MAX_WAITING,
  });
  const passwords = createPasswordHasher({ queue });
  const perClientHashLimits = { ...DEFAULT_PER_CLIENT_HASH_LIMITS, maxPerClient: config.registerLimit };
  const linkRequestLimits = createLinkRequestLimits({ attempts: stores.attempts, limits: { ...DEFAULT_LINK_REQUEST_LIMITS, ...options.linkRequestThrottle }, now });
  const sessions = createSessionService({
    stores,
    tokens,
    passwords,
    loginLimits: createLoginLimits({ attempts: stores.attempts, limits: { ...DEFAULT_LOGIN_LIMITS, ...options.loginThrottle }, now }),
    registerLimits: createPerClientLimit({ attempts: stores.attempts, scope: 'register', limits: perClientHashLimits, now }),
    linkRequestLimits,
    sessionMaxAge: config.sessionMaxAge,
    now,
  });
  const outbox = createFileOutbox({ dir: path.join(config.dataDir, 'outbox'), now, onBadFile: (problem) => app.log.warn(problem) });
  const accountLinks = createAccountLinks({
    stores,
    tokens,
    passwords,
    resetLimits: createPerClientLimit({ attempts: stores.attempts, scope: 'password-reset', limits: perClientHashLimits, now }),
    outbox,
    sends,
    publicUrl: origins.publicUrl,
    linkTokenTtl: config.linkTokenTtl,
    now,
  });
  const dpopProofs = createDpopProofVerifier({
    seen: stores.proofs,
    // htu names one of the app's own origins, never the request's Host.
    isOwnOrigin: origins.isOwnOrigin,
    now,
    nonces: config.dpopNonce ? createDpopNonces({ now }) : null,
  });
  const cookieOptions = { cookieSecure: config.cookieSecure, accessTokenTtl: config.accessTokenTtl, now };
  // Lab-only cookie sessions with defences off exist only while the lab is on: off, nothing reads their cookies.
  const weakenedSessions = config.attackLab ? createWeakenedSessions(cookieOptions) : null;
  const transports = createTransports({ ...cookieOptions, dpopProofs, extra: weakenedSessions ? [weakenedSessions.transport] : [] });
  const deviceCookie = createDeviceCookie({ cookieSecure: config.cookieSecure, now });
  const context: RouteContext = {
    sessions,
    transports,
    deviceCookie,
    hooks: createAuthHooks({ sessions, transports }),
    stores,
    keys,
    tokens,
    accountLinks,
    linkRequestLimits,
    outbox,
    outboxPage: config.outboxPage,
  };

  // JSON only: Fastify would otherwise parse text/plain too, which HTML forms can send cross-site.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('auth', null);
  await app.register(errorHandler);
  // While the lab is on, its demo payload may reach the attacker's collector (the lab explains
  // why a strict connect-src is still worth having); off, the policy names nothing but 'self'.
  await app.register(securityHeaders, config.attackLab ? { connectSources: attackerConnectSources(config.attackerPort), closesItsPopups: true } : {});
  await app.register(hostAllowlist, { origins });
  await app.register(cookie);
  // Before every route: it documents the routes registered after it.
  await app.register(apiReference);
  if (weakenedSessions) await app.register(attackLab, { attackerPort: config.attackerPort, isAppPage: origins.isOwnOrigin, publicUrl: origins.publicUrl, now, sessions, weakenedSessions, deviceCookie });
  await app.register(publicRoutes, context);
  await app.register(authRoutes, context);
  await app.register(sessionRoutes, context);
  await app.register(privateRoutes, context);
  await app.register(accountLinkRoutes, context);
  const webRoot = options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot;
  if (webRoot) await app.register(webApp, { root: webRoot });

  const purge = setInterval(() => {
    Promise.all([stores.sessions.purgeExpired(now()), stores.links.purgeExpired(now()), stores.proofs.purgeExpired(now())]).catch((error: unknown) =>
      app.log.warn({ err: error }, 'could not purge expired sessions, links and proofs'),
    );
  }, PURGE_INTERVAL_MS);
  // A rotation by `pnpm keys rotate` (or another instance) is picked up without a restart.
  const keyReload = setInterval(() => {
    keys.reload().catch((error: unknown) => app.log.warn({ err: error }, 'could not re-read the signing keys'));
  }, KEY_RELOAD_INTERVAL_MS);
  for (const timer of [purge, keyReload]) timer.unref();
  app.addHook('onClose', async () => [purge, keyReload].forEach(clearInterval));

  return app;
}
