import { isLoopbackAddress } from '../config/config.js';

export interface AppOriginsOptions {
  /** PUBLIC_URL's origin, or undefined for http://localhost:<the port bound>. */
  publicUrl: string | undefined;
  /** HOST: while it is a loopback address, the loopback names are the app's too. */
  host: string;
  /** PORT; 0 until the app listens and says which port it got (`bind`). */
  port: number;
  /** ALLOWED_HOSTS: more names to answer for (a load balancer's health check), lower case. */
  allowedHosts: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The app's own names and origins, decided by configuration and the port actually bound, never by
 * what a request claims. A request's Host says which site the *browser* thinks it is talking to:
 * comparing Origin with it lets a page on any name that resolves here (DNS rebinding) pass as us.
 */
export function createAppOrigins(options: AppOriginsOptions) {
  let port = options.port;
  const loopback = isLoopbackAddress(options.host);

  const publicUrl = () => options.publicUrl ?? `http://localhost:${port === 0 ? 3000 : port}`;

  function ownOrigins(): Set<string> {
    const origins = new Set([publicUrl()]);
    if (loopback) for (const name of LOOPBACK_NAMES) origins.add(`http://${name}:${port}`);
    return origins;
  }

  function ownHostnames(): Set<string> {
    const names = new Set([new URL(publicUrl()).hostname.toLowerCase(), ...options.allowedHosts]);
    if (loopback) for (const name of LOOPBACK_NAMES) names.add(name);
    return names;
  }

  let origins = ownOrigins();
  let hostnames = ownHostnames();

  return {
    /** Where people reach the app; links in messages point here. */
    publicUrl,
    /** Called once the app listens: PORT=0 only then knows its port. */
    bind(boundPort: number) {
      port = boundPort;
      origins = ownOrigins();
      hostnames = ownHostnames();
    },
    /** A browser's Origin header names one of our pages. */
    isOwnOrigin: (origin: string) => origins.has(origin.toLowerCase()),
    /** The Host header's name (no port) is one we answer for. */
    answersFor: (hostname: string) => hostnames.has(hostname.toLowerCase()),
  };
}

export type AppOrigins = ReturnType<typeof createAppOrigins>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own names and origins (Origin checks, links, the Host allowlist). */
    appOrigins: AppOrigins;
  }
}
