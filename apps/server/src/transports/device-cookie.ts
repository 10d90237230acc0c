import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Sent to the login route only: nothing else needs to know which devices logged in before. */
export const DEVICE_COOKIE_PATH = '/api/auth/login';

/**
 * One cookie per username (OWASP's "device cookies"), named after a hash of the lower-cased name so
 * the cookie does not spell out who logged in on this browser, and so that several accounts on one
 * browser each keep their own.
 */
export const deviceCookieName = (username: string) =>
  `jwtlab_device_${createHash('sha256').update(username.toLowerCase()).digest('base64url').slice(0, 16)}`;

/**
 * The device cookie: set at every successful login, whatever the storage mode, and read by the next
 * login as this user from this browser. HttpOnly and SameSite=Strict like the session cookies.
 */
export function createDeviceCookie({ cookieSecure, now }: { cookieSecure: boolean; now: () => number }) {
  return {
    /** Who is logging in, as the login limits and the sessions list see it (auth's LoginClient): with this browser's device token for the username, if it holds one. */
    loginClient: (request: FastifyRequest, username: string) => ({
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      deviceToken: request.cookies[deviceCookieName(username)],
    }),
    set(reply: FastifyReply, username: string, device: { token: string; exp: number }) {
      reply.setCookie(deviceCookieName(username), device.token, {
        httpOnly: true,
        secure: cookieSecure,
        sameSite: 'strict',
        path: DEVICE_COOKIE_PATH,
        maxAge: Math.max(0, device.exp - Math.floor(now() / 1000)),
      });
    },
  };
}

export type DeviceCookie = ReturnType<typeof createDeviceCookie>;
