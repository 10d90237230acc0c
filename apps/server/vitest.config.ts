import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// packages/shared is used from source in tests (the "@jwt-lab/source" export condition).
const conditions = ['@jwt-lab/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Two cores: two test files at a time; each uses its own port, data dir and key prefix.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
