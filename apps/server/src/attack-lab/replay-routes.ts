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

const JWT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g;
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
    return [...data.matchAll(JWT)].map(([value]) => ({ value, from: describePath(path), typ: headerType(value) }));
  }
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) => findTokens(value, [...path, key]));
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
