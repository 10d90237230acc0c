import type { Config } from './config.js';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether an origin is one this app is reached at: PUBLIC_URL's, and while the app listens on a
 * loopback address, the loopback names on PUBLIC_URL's port (a page opened at 127.0.0.1 instead of
 * localhost). Never derived from a request's Host, which the client chooses.
 */
export function ownOriginsOf({ publicUrl, host }: Pick<Config, 'publicUrl' | 'host'>): (origin: string) => boolean {
  const primary = new URL(publicUrl);
  const origins = new Set([primary.origin]);
  if (LOOPBACK_HOSTS.has(host)) {
    for (const name of LOOPBACK_NAMES) origins.add(new URL(`${primary.protocol}//${name}${primary.port ? `:${primary.port}` : ''}`).origin);
  }
  return (origin) => origins.has(origin);
}
