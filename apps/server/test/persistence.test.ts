import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, errorOf, startTestApp } from './support/test-app.js';

// What the server knows survives a restart on the same DATA_DIR: users, revocations, the key.

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-restart-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('restart on the same DATA_DIR', () => {
  it('keeps users, keeps revocations, and keeps live sessions working', async () => {
    const before = await startTestApp({ dataDir });
    const revoked = await before.loginHeader();
    const live = await before.loginHeader();
    await before.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(revoked.accessToken) });
    await before.close();

    const after = await startTestApp({ dataDir });
    try {
      const refused = await after.inject({ method: 'GET', url: '/api/private', headers: bearer(revoked.accessToken) });
      expect(errorOf(refused)).toMatchObject({ status: 401, error: 'token_revoked' });
      const stillLive = await after.inject({ method: 'GET', url: '/api/private', headers: bearer(live.accessToken) });
      expect(stillLive.statusCode).toBe(200);
      const login = await after.inject({ method: 'POST', url: '/api/auth/login', payload: { username: revoked.username, password: revoked.password, mode: 'header' } });
      expect(login.statusCode).toBe(200);
    } finally {
      await after.close();
    }
  });

  it('generates a signing key once, mode 0600, and reuses it after a restart', async () => {
    const ownDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-key-'));
    try {
      const first = await startTestApp({ dataDir: ownDir, env: { JWT_SECRET: '' } });
      const session = await first.loginHeader();
      await first.close();
      const keyFile = await stat(path.join(ownDir, 'keys', 'hs256.keyring.json'));
      expect(keyFile.mode & 0o777).toBe(0o600);

      const second = await startTestApp({ dataDir: ownDir, env: { JWT_SECRET: '' } });
      const response = await second.inject({ method: 'GET', url: '/api/private', headers: bearer(session.accessToken) });
      expect(response.statusCode).toBe(200);
      await second.close();
    } finally {
      await rm(ownDir, { recursive: true, force: true });
    }
  });
});
