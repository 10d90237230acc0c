import type { ForeignRequest, Loot, ReplayResponse } from '@jwt-lab/shared';
import type { ApiClient, ApiResult } from '../../../lib/api-client';
import { attackerOriginFor } from '../attacker-origin';

/**
 * The lab's conversations, through the one API client: with this app (where the attacker lives,
 * what other sites sent here) and with the attacker's site (collector, replay). The app's answers
 * go to the Request log like every API call; the attacker's do not, as they are not ours.
 */

export type LabResult<T> = { ok: true; value: T } | { ok: false; message: string };

export type { ForeignRequest, Loot, Refusal, ReplayAttempt, ReplayResponse as Replay } from '@jwt-lab/shared';

type LabClient = Pick<ApiClient, 'attackLabInfo' | 'foreignRequests' | 'sendLoot' | 'replayLoot'>;

export function createLabRequests(api: LabClient, pageHostname: string = location.hostname) {
  let attacker: Promise<LabResult<string>> | undefined;

  async function discoverAttacker(): Promise<LabResult<string>> {
    const info = fromApp(await api.attackLabInfo());
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
    sendHome: async (attackerOrigin: string, kind: string, data: object): Promise<LabResult<Loot>> => fromAttacker(await api.sendLoot(attackerOrigin, kind, data)),
    replay: async (attackerOrigin: string, lootId: number): Promise<LabResult<ReplayResponse>> => fromAttacker(await api.replayLoot(attackerOrigin, lootId)),
    foreignRequests: async (run: string): Promise<LabResult<ForeignRequest[]>> => {
      const answer = fromApp(await api.foreignRequests(run));
      return answer.ok ? { ok: true, value: answer.value.requests } : answer;
    },
  };
}

export type LabRequests = ReturnType<typeof createLabRequests>;

function fromApp<T>(answer: ApiResult<T>): LabResult<T> {
  if (answer.ok) return { ok: true, value: answer.value };
  if (answer.error.code === 'not_found') return { ok: false, message: 'The attack lab is turned off on this server (ATTACK_LAB=false).' };
  return { ok: false, message: answer.error.message };
}

function fromAttacker<T>(answer: ApiResult<T>): LabResult<T> {
  if (answer.ok) return { ok: true, value: answer.value };
  return { ok: false, message: answer.error.status === null ? answer.error.message : `The attacker's site answered ${answer.error.status}: ${answer.error.message}` };
}
