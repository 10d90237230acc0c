import { ApiError } from '../errors/api-error.js';
import { errorResponses } from '../errors/error-responses.js';
import type { App } from '../http/typed-app.js';
import { ReplayRequest, ReplayResponse, type Loot, type ReplayAttempt } from '@jwt-lab/shared';
import type { RecentList } from './recent-list.js';

export interface ReplayOptions {
  loot: RecentList<Loot>;
  /** The app's own address, e.g. http://127.0.0.1:3000: the attacker calls it from its server. */
  appUrl: string;
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
}

/**
 * The attacker uses what it stole from its own machine: `GET /api/private` with each stolen
 * access token, or with nothing at all when nothing usable was stolen. It is a plain server-side
 * request, so none of the victim's cookies can come along.
 */
export async function replayRoutes(site: App, { loot, appUrl }: ReplayOptions) {
  const target = `${appUrl}/api/private`;

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
      const attempts = accessTokens.length > 0 ? await Promise.all(accessTokens.map((token) => callApp(target, token))) : [await callApp(target, null)];
      return { lootId, target, attempts };
    },
  );
}

async function callApp(target: string, token: StolenToken | null): Promise<ReplayAttempt> {
  const attempt = { credential: token ? 'bearer' : 'none', tokenFrom: token?.from ?? null } as const;
  try {
    const response = await fetch(target, {
      headers: token ? { authorization: `Bearer ${token.value}` } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(REPLAY_TIMEOUT_MS),
    });
    return { ...attempt, status: response.status, answer: await response.json().catch(() => null) };
  } catch {
    return { ...attempt, status: null, answer: null };
  }
}

/** Every JWT anywhere in the loot (JSON inside strings included), with where it was found. */
export function findTokens(data: unknown, path: string[] = []): StolenToken[] {
  if (typeof data === 'string') {
    return data
      .split(NOT_JWT_CHARACTERS)
      .map(trimDots)
      .filter((candidate) => candidate.startsWith('eyJ') && JWT.test(candidate))
      .map((value) => ({ value, from: describePath(path), typ: headerType(value) }));
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

function headerType(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { typ?: unknown }).typ === 'string' ? (header as { typ: string }).typ : undefined;
  } catch {
    return undefined;
  }
}
