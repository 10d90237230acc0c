// The server as it is served: one ES module bundled from tsc's output (dist/main.js) into dist/server.mjs.
//
// Why: Node 20's ES module loader reads, resolves and links each file on its own. Unbundled, the
// server opens over a thousand files at start (TypeBox alone nearly four hundred), which took
// half of the one-second cold start budget on a slow machine; bundled, start-up takes about half
// as long (docs/performance.md). tsc stays the type checker and still emits dist/ for the keys CLI.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(serverDir, 'dist', 'main.js')],
  // Beside tsc's output, so that paths the code takes from import.meta.url (the page's dist) still resolve.
  outfile: path.join(serverDir, 'dist', 'server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons: loaded from node_modules at run time (each picks its platform's binary).
  external: ['better-sqlite3', '@node-rs/argon2'],
  // Some bundled dependencies are CommonJS and call require() for Node's built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // For reading stack traces: node --enable-source-maps dist/server.mjs.
  sourcemap: 'linked',
  logLevel: 'warning',
});
