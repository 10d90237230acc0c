import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { bundleBudget } from './build/bundle-budget.ts';

const API_TARGET = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  // kB as Vite prints them (1000 bytes): issue 3 caps the initial JS at 90 kB gzipped.
  plugins: [react(), bundleBudget({ maxInitialGzipBytes: 90_000 })],
  // Use packages/shared from source in dev and build (no separate build step for it).
  resolve: { conditions: ['@jwt-lab/source', ...defaultClientConditions] },
  server: {
    port: 5173,
    strictPort: true,
    // Same origin for the page and the API, as in production: cookies and CSRF checks behave alike.
    // changeOrigin stays false (the string shorthand would turn it on): the API compares Origin
    // with Host, and a Host rewritten to the API's own address makes every login look cross-site.
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/.well-known': { target: API_TARGET, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      // One named lazy chunk for the schemas and TypeBox, instead of one called after a file ("src").
      output: { codeSplitting: { groups: [{ name: 'schemas', test: /[\\/](typebox|packages[\\/]shared)[\\/]/ }] } },
    },
  },
});
