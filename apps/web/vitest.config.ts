import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.{ts,tsx}'],
      setupFiles: ['src/test/setup.ts'],
      passWithNoTests: false,
      // A test that types whole forms can take seconds on a busy two-core machine (the server's suite allows as much).
      testTimeout: 20_000,
    },
  }),
);
