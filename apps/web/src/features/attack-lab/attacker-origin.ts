/**
 * The attacker's origin as seen from this page: the *other* loopback name on the attacker's port.
 * A different host name makes it a different site; a different port alone would not, because
 * SameSite compares scheme and host, never ports (docs/decisions/007-attacker-origin.md).
 */
export function attackerOriginFor(pageHostname: string, attackerPort: number): string {
  const host = pageHostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
  return `http://${host}:${attackerPort}`;
}
