import { CSRF_HEADER } from '@jwt-lab/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../transports/cookie-transport.js';
import { isForeignOrigin, type CsrfError } from '../transports/csrf.js';
import { MEMORY_REFRESH_COOKIE } from '../transports/memory-transport.js';
import { LAB_ACCESS_COOKIE, LAB_REFRESH_COOKIE } from './weakened-sessions.js';
import { RUN_PATTERN, type ForeignRequest, type Refusal } from '@jwt-lab/shared';

const RUN = new RegExp(RUN_PATTERN);
const MAX_HEADER_CHARS = 200;
const ACCESS_COOKIES = [ACCESS_COOKIE, LAB_ACCESS_COOKIE];
const REFRESH_COOKIES = [REFRESH_COOKIE, MEMORY_REFRESH_COOKIE, LAB_REFRESH_COOKIE];

/**
 * A request another site made the browser send: a foreign Origin, or, where a browser sends no
 * Origin (an image, a top-level GET), its Sec-Fetch-Site label.
 */
export function isForeignRequest(request: FastifyRequest): boolean {
  if (isForeignOrigin(request)) return true;
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/**
 * The facts of one answered foreign request; presence of credentials only, never their values.
 * `csrfCheck`: the CSRF check that refused it, when one did.
 */
export function describeForeignRequest(request: FastifyRequest, reply: FastifyReply, seq: number, at: number, csrfCheck?: CsrfError['check']): ForeignRequest {
  const [path = '/', query = ''] = request.url.split('?');
  const run = new URLSearchParams(query).get('run');
  const credentialCookies = [...ACCESS_COOKIES, ...REFRESH_COOKIES].filter((name) => hasCookie(request, name));
  const carried = {
    accessCookie: ACCESS_COOKIES.some((name) => credentialCookies.includes(name)),
    refreshCookie: REFRESH_COOKIES.some((name) => credentialCookies.includes(name)),
    authorization: request.headers.authorization !== undefined,
    csrfToken: request.headers[CSRF_HEADER] !== undefined,
    credentialCookies,
  };
  const corsAllowed = reply.getHeader('access-control-allow-origin') !== undefined;
  return {
    seq,
    at: new Date(at).toISOString(),
    method: request.method,
    path,
    run: run !== null && RUN.test(run) ? run : null,
    origin: shortHeader(request.headers.origin),
    fetchSite: shortHeader(request.headers['sec-fetch-site']),
    fetchDest: shortHeader(request.headers['sec-fetch-dest']),
    contentType: shortHeader(request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()),
    carried,
    status: reply.statusCode,
    refusedBy: reply.statusCode === 403 && csrfCheck !== undefined ? csrfCheck : refusalOf(request.method, reply.statusCode, carried, isForeignOrigin(request), corsAllowed),
  };
}

/** Which check refused it, in the order the app runs them: body type, credential, Origin, CSRF token. */
export function refusalOf(
  method: string,
  status: number,
  carried: ForeignRequest['carried'],
  foreignOrigin: boolean,
  corsAllowed: boolean,
): Refusal | null {
  // The app grants no cross-origin permission: a preflight it answers without Access-Control-Allow-Origin
  // makes the browser drop the real request unsent.
  if (method === 'OPTIONS') return corsAllowed ? null : 'cors-preflight';
  if (status < 400) return null;
  if (status === 415) return 'json-only';
  if (status === 401) return carried.accessCookie || carried.refreshCookie || carried.authorization ? 'invalid-credential' : 'no-credential';
  if (status === 403) return foreignOrigin ? 'origin-check' : 'csrf-token';
  return 'other';
}

function hasCookie(request: FastifyRequest, name: string): boolean {
  return (request.headers.cookie ?? '').split(';').some((pair) => pair.trim().startsWith(`${name}=`));
}

function shortHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_HEADER_CHARS);
}
