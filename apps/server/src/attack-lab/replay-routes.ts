import { ApiError } from '../errors/api-error.js';
import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import { ReplayRequest, ReplayResponse, type Loot, type ReplayAttempt, type ReplayCredential } from '@jwt-lab/shared';
import type { createDpopProofSigner } from '../tokens/dpop-proofs.js';
import type { RecentList } from './recent-list.js';

export interface ReplayOptions {
  loot: RecentList<Loot>;
  /** The app's own address, e.g. http://127.0.0.1:3000: the attacker calls it from its server. */
  appUrl: string;
  /** Where the app's page lives: the attacker's proofs name it in htu, as a real attacker's would. */
  publicUrl: () => string;
  /** The attacker's own DPoP key: it has the stolen token, but not the page's key. */
  attackerKey: Awaited<ReturnType<typeof createDpopProofSigner>>;
}

/**
 * A compact JWS, checked on one candidate at a time. Anchored at both ends, so it is linear in the
 * candidate's length: the unanchored /eyJ[\w-]*\.eyJ.../g it replaces backtracked from every "eyJ"
 * of a string like "eyJeyJeyJ…", quadratic work that let any page stall the event loop.
 */
const JWT = /^eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+$/;
/** What cannot be part of a JWT splits the text into candidates (in one linear pass). */
const NOT_JWT_CHARACTERS = /[^\w.-]+/;
const MAX_REPLAYS = 4;
const REPLAY_TIMEOUT_MS = 5_000;

interface StolenToken {
  value: string;
  from: string;
  typ: string | undefined;
  /** The key a DPoP-bound token is bound to (its cnf.jkt). */
  boundTo: string | null;
}

/**
 * The attacker uses what it stole from its own machine, as it would really be used: `GET
 * /api/private` with each stolen access token as Bearer, and a DPoP-bound one also as DPoP with no
 * proof and with a proof signed by the attacker's own key; or with nothing at all when nothing
 * usable was stolen. It is a plain server-side request, so none of the victim's cookies can come along.
 */
export async function replayRoutes(site: App, { loot, appUrl, publicUrl, attackerKey }: ReplayOptions) {
  const target = `${appUrl}/api/private`;

  async function attemptsWith(token: StolenToken): Promise<ReplayAttempt[]> {
    const asBearer = { authorization: `Bearer ${token.value}` };
    if (token.boundTo === null) return [await callApp(target, token, 'bearer', asBearer)];
    const scheme = { authorization: `DPoP ${token.value}` };
    const proof = await attackerKey.sign({ htm: 'GET', htu: `${publicUrl()}/api/private`, accessToken: token.value });
    return Promise.all([
      callApp(target, token, 'bearer', asBearer),
      callApp(target, token, 'dpop-without-proof', scheme),
      callApp(target, token, 'dpop-with-attacker-proof', { ...scheme, dpop: proof }, attackerKey.jkt),
    ]);
  }

  site.post(
    '/replay',
    { schema: { body: ReplayRequest, response: { 200: ReplayResponse, ...errorResponses('invalid_request', 404, 413, 415) } } },
    async (request) => {
      const { lootId } = request.body;
      const item = loot.list().find((candidate) => candidate.id === lootId);
      if (!item) throw new ApiError('not_found', `The attacker holds no loot #${lootId} (it keeps only the most recent, in memory).`);
      const accessTokens = findTokens(item.data)
        .filter((token) => token.typ === 'at+jwt')
        .slice(0, MAX_REPLAYS);
      const attempts = accessTokens.length > 0 ? (await Promise.all(accessTokens.map(attemptsWith))).flat() : [await callApp(target, null, 'none', {})];
      return { lootId, target, attempts };
    },
  );
}

async function callApp(target: string, token: StolenToken | null, credential: ReplayCredential, headers: Record<string, string>, proofKey: string | null = null): Promise<ReplayAttempt> {
  const attempt = { credential, tokenFrom: token?.from ?? null, boundTo: token?.boundTo ?? null, proofKey };
  try {
    const response = await fetch(target, {
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REPLAY_TIMEOUT_MS),
    });
    return { ...attempt, status: response.status, challenge: response.headers.get('www-authenticate'), answer: await response.json().catch(() => null) };
  } catch {
    return { ...attempt, status: null, challenge: null, answer: null };
  }
}

/** Every JWT anywhere in the loot (JSON inside strings included), with where it was found. */
export function findTokens(data: unknown, path: string[] = []): StolenToken[] {
  if (typeof data === 'string') {
    return data
      .split(NOT_JWT_CHARACTERS)
      .map(trimDots)
      .filter((candidate) => candidate.startsWith('eyJ') && JWT.test(candidate))
      .map((value) => ({ value, from: describePath(path), typ: headerType(value), boundTo: boundKeyOf(value) }));
  }
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) => findTokens(value, [...path, key]));
}

/** Without the dots a sentence may put around a token (a loop: a regex here could backtrack on long runs of dots). */
function trimDots(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '.') start++;
  while (end > start && text[end - 1] === '.') end--;
  return text.slice(start, end);
}

function describePath([first = '', ...rest]: string[]): string {
  return first + rest.map((key) => `[${JSON.stringify(key)}]`).join('');
}

/** The JSON object in one base64url segment of a JWT, or undefined: loot is whatever a script sent, so nothing is trusted. */
function segment(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function headerType(token: string): string | undefined {
  const typ = segment(token, 0)?.typ;
  return typeof typ === 'string' ? typ : undefined;
}

function boundKeyOf(token: string): string | null {
  const cnf = segment(token, 1)?.cnf;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' ? jkt : null;
}
