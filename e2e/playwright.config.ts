import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumExecutable } from './browser.js';

const executablePath = chromiumExecutable();
/** The app under test: the built server (`pnpm build` first), on its own port and data dir. */
export const APP_PORT = Number(process.env.E2E_PORT ?? 3210);
export const APP_URL = `http://localhost:${APP_PORT}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'jwt-lab-e2e-'));

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
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
  webServer: {
    command: 'node ../apps/server/dist/main.js',
    url: `${APP_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 20_000,
    env: { PORT: String(APP_PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, PASSWORD_HASH_COST: '12', LOG_LEVEL: 'warn' },
  },
});
