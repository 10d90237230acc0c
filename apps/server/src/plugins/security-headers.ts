import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet with a strict Content Security Policy: scripts and styles only from our origin, no
 * inline script, no eval, no framing. It is what keeps an injected <script> from running at all;
 * the attack lab shows what happens when one runs anyway.
 */
function helmetOptions({ connectSources = [], closesItsPopups = false }: SecurityHeaderOptions): HelmetOptions {
  return {
    // same-origin cuts every window this page opens off from it once that window leaves our origin.
    // The attack lab opens the attacker's pages and must close them again (a page that navigated to
    // the app cannot close itself), so with the lab on, popups stay reachable; the lab cuts their
    // link back to it (opener = null), so they still cannot reach this page.
    crossOriginOpenerPolicy: { policy: closesItsPopups ? 'same-origin-allow-popups' : 'same-origin' },
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
 * of /api/private's throughput (docs/decisions/008-hot-path-without-losing-checks.md).
 */
function computeSecurityHeaders(options: HelmetOptions): Record<string, string> {
  // A real, unsent response on an unconnected socket: helmet only sets and removes headers on it.
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(options)(request, response, (error?: unknown) => {
    if (error) throw new Error('helmet refused the security header options', { cause: error });
  });
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
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

interface SecurityHeaderOptions {
  /** Origins the page may fetch from besides its own (the attack lab's attacker site). */
  connectSources?: string[];
  /** The page opens windows on other sites and closes them again (the attack lab's runs). */
  closesItsPopups?: boolean;
}

async function securityHeaders(app: FastifyInstance, options: SecurityHeaderOptions) {
  const pageHeaders = computeSecurityHeaders(helmetOptions(options));
  const apiHeaders = { ...computeSecurityHeaders(API_ONLY), 'cache-control': 'no-store' };

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? apiHeaders : pageHeaders);
    done();
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
