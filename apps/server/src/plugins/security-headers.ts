import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet with a strict Content Security Policy: scripts and styles only from our origin, no
 * inline script, no eval, no framing. It is what keeps an injected <script> from running at all;
 * the attack lab shows what happens when one runs anyway.
 */
function helmetOptions(connectSources: string[] = []): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...connectSources],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  };
}

/**
 * The headers helmet would set, computed once. Our policy is the same for every response, and
 * @fastify/helmet rebuilt helmet (re-parsing the whole policy) on every request: measured at 40%
 * of /api/private's throughput (docs/decisions/008-security-headers-computed-once.md).
 */
function computeSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  helmet(options)({} as IncomingMessage, response, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/**
 * API answers are JSON, never documents a browser renders, so most document headers would do
 * nothing there. They get what OWASP's REST cheat sheet asks of an API: no sniffing, no caching
 * (they carry tokens and session state), no framing, no referrer, and a CSP that allows nothing.
 */
const API_ONLY: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

async function securityHeaders(app: FastifyInstance, { connectSources = [] }: { connectSources?: string[] }) {
  const pageHeaders = computeSecurityHeaders(helmetOptions(connectSources));
  const apiHeaders = { ...computeSecurityHeaders(API_ONLY), 'cache-control': 'no-store' };

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? apiHeaders : pageHeaders);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
