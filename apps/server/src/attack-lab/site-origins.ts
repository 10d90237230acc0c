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
 * Pages allowed to use the attacker's site (read its answers through CORS, send it loot, ask for a
 * replay, be attacked by its cross-site page): the app's own pages only, as the app's own origins
 * say (PUBLIC_URL, and the loopback names on the app's port). Never any other site: loot holds real
 * tokens, and a page on another loopback port is not the app.
 */
export type IsAppPage = (origin: string) => boolean;
