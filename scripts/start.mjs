// `pnpm start`: builds what is missing or stale, then serves. The one command a newcomer runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (...parts) => path.join(root, ...parts);

function run(label, command, args, cwd = root) {
  console.log(`jwt-lab: ${label}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Newest modification time under the given files and folders. */
function newest(paths) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return latest;
}

// TypeScript's build mode is incremental: it rebuilds only what changed, and is quick when nothing did.
run('type-checking and building the server', process.execPath, [at('node_modules/typescript/bin/tsc'), '-b']);
run('bundling the server', process.execPath, [at('apps/server/build/bundle.mjs')]);

const webIndex = at('apps/web/dist/index.html');
const webSources = ['apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/public', 'packages/shared/src'].map((p) => at(p));
if (!existsSync(webIndex) || newest(webSources) > statSync(webIndex).mtimeMs) {
  run('building the page', process.execPath, [at('apps/web/node_modules/vite/bin/vite.js'), 'build'], at('apps/web'));
}

const server = spawn(process.execPath, [at('apps/server/dist/server.mjs')], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
