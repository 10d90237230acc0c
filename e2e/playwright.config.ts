import { defineConfig } from '@playwright/test';
import { chromiumExecutable } from './browser.js';

const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      // Without these, Chromium keeps dialling Google on a machine whose network is closed.
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
    },
  },
});
