import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.js';
import { ACCESS_COOKIE, TEST_SECRET } from './test-app.js';

/**
 * The app with its attack lab over real sockets (the app on an ephemeral port, the attacker's site
 * beside it), with helpers that do what the lab's page does: log in, send loot home, ask for a replay.
 */
export const PASSWORD = 'correct horse battery';
let counter = 0;
const uniqueUsername = () => `lab_${process.pid}_${++counter}`;

export async function startLab(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-attack-'));
  const config = parseConfig({ DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PORT: '0', ...env });
  const app = await buildApp({ config, webRoot: null });
  /** Every request the app received at /api/private, as it arrived: to prove what a replay carried. */
  const privateRequests: Array<Record<string, unknown>> = [];
  app.addHook('onRequest', async (request) => {
    if (request.url === '/api/private') privateRequests.push({ ...request.headers });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.attackLab?.listen();
  const appUrl = `http://localhost:${(app.server.address() as { port: number }).port}`;
  const attackerUrl = app.attackLab ? `http://127.0.0.1:${app.attackLab.attackerAddress()!.port}` : null;

  async function login(mode: 'header' | 'cookie') {
    const username = uniqueUsername();
    const json = { 'content-type': 'application/json' };
    await fetch(`${appUrl}/api/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: PASSWORD }) });
    const response = await fetch(`${appUrl}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: PASSWORD, mode }) });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${ACCESS_COOKIE}=`))?.split(';')[0];
    return { ...((await response.json()) as { accessToken?: string; refreshToken?: string; csrfToken?: string }), cookie };
  }

  /** What the lab's page does: sends loot as a text body (a "simple" request) from the app's origin. */
  async function collect(kind: string, data: Record<string, unknown>, origin = appUrl) {
    const response = await fetch(`${attackerUrl}/collect`, { method: 'POST', headers: { 'content-type': 'text/plain', origin }, body: JSON.stringify({ kind, data }) });
    return { response, body: (await response.json()) as { id: number; from: string; data: Record<string, unknown> } };
  }

  async function replay(lootId: number) {
    const response = await fetch(`${attackerUrl}/replay`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: appUrl }, body: JSON.stringify({ lootId }) });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      target: string;
      attempts: Array<{ credential: string; tokenFrom: string | null; boundTo: string | null; proofKey: string | null; status: number; challenge: string | null; answer: Record<string, unknown> }>;
    };
  }

  return {
    app,
    config,
    appUrl,
    attackerUrl,
    privateRequests,
    login,
    collect,
    replay,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type Lab = Awaited<ReturnType<typeof startLab>>;

