import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumExecutable } from './browser.js';
import type { StorageMode } from './support/fixtures.js';
import { APP_PORT, SHORT_ACCESS_TOKEN_TTL, SHORT_TTL_PORT } from './support/instances.js';

const executablePath = chromiumExecutable();
/** The app under test: the built server (`pnpm build` first), on its own port and data dir. */
const APP_URL = `http://localhost:${APP_PORT}`;
const SHORT_TTL_URL = `http://localhost:${SHORT_TTL_PORT}`;

const server = (port: number, env: Record<string, string> = {}) => ({
  command: 'node ../apps/server/dist/server.mjs',
  url: `http://localhost:${port}/api/health`,
  reuseExistingServer: false,
  timeout: 20_000,
  // Each its own data dir; the attacker's site of each listens on PORT + 1000 (4210, 4211).
  env: {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'jwt-lab-e2e-')),
    // Every test registers its own user from this one address.
    REGISTER_LIMIT: '10000',
    LOG_LEVEL: 'warn',
    ...env,
  },
});

const byMode = (mode: StorageMode) => ({ storageMode: mode });
const STRATEGIES: StorageMode[] = ['localStorage', 'sessionStorage', 'memory', 'cookie', 'dpop'];

export default defineConfig<{ storageMode: StorageMode }>({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 2,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: APP_URL,
    browserName: 'chromium',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      // Without these, Chromium keeps dialling Google on a machine whose network is closed.
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
    },
  },
  projects: [
    // Specs that choose their own set-up (page-loads, account-links) run once, at the top level.
    { name: 'page', testMatch: /tests\/[^/]+\.spec\.ts$/ },
    // The flows and claims of each storage strategy: each test has its own user, so they run in parallel.
    ...STRATEGIES.map((mode) => ({
      name: mode,
      testMatch: new RegExp(`tests/(modes|${mode})/.+\\.spec\\.ts$`),
      fullyParallel: true,
      use: byMode(mode),
    })),
    // Every strategy at once, one run at a time: the run opens tabs and windows of its own.
    { name: 'side-by-side', testMatch: /tests\/side-by-side\/.+\.spec\.ts$/, fullyParallel: false },
    {
      name: 'short-ttl-header',
      testMatch: /tests\/short-ttl\/.+\.spec\.ts$/,
      fullyParallel: true,
      use: { ...byMode('localStorage'), baseURL: SHORT_TTL_URL },
    },
    {
      name: 'short-ttl-cookie',
      testMatch: /tests\/short-ttl\/.+\.spec\.ts$/,
      fullyParallel: true,
      use: { ...byMode('cookie'), baseURL: SHORT_TTL_URL },
    },
  ],
  webServer: [server(APP_PORT), server(SHORT_TTL_PORT, { ACCESS_TOKEN_TTL: String(SHORT_ACCESS_TOKEN_TTL) })],
});
