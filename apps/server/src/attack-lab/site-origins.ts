/**
 * Which sites are which. The app is opened at http://localhost:PORT (or 127.0.0.1); the attacker
 * answers on the other loopback name, so that the two are different *sites*, not only different
 * origins: browsers scope SameSite cookies by host, never by port (docs/decisions/007-attacker-origin.md).
 */

/** The attacker listens on IPv4 loopback only: reachable from this machine, never from the network. */
export const ATTACKER_BIND_HOST = '127.0.0.1';

const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase());
}

/**
 * What the app's CSP must add to connect-src so that the demo payload can reach the collector,
 * whichever loopback name the page was opened at. With ATTACKER_PORT=0 the port is unknown when the
 * policy is computed (once, at start), so it names both loopback hosts on any port instead.
 */
export function attackerConnectSources(attackerPort: number): string[] {
  const port = attackerPort === 0 ? '*' : String(attackerPort);
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * Pages allowed to read the attacker's answers (CORS) and to be attacked by its cross-site page:
 * the app's own pages, which live on loopback (any port, so that the Vite dev server's page counts)
 * or at PUBLIC_URL. Never any site on the internet: loot holds real tokens.
 */
export function isAppPageOrigin(origin: string, publicUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  if (url.origin === publicUrl) return true;
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHostname(url.hostname);
}
