import { buildApp } from './app.js';
import { ConfigError, parseConfig } from './config/config.js';
import { storeKindFor } from './stores/create-stores.js';

/** Starts the app from the environment. Every start-up failure is one clear line, never a stack trace. */
async function main() {
  const config = parseConfig(process.env);
  const app = await buildApp({ config });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info(`${signal} received, closing`);
      void app.close().then(() => process.exit(0));
    });
  }
  try {
    await app.listen({ port: config.port, host: config.host });
    // Second: the attacker's site replays stolen tokens against the address the app now has.
    await app.attackLab?.listen();
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as { port: number };
  const shownHost = config.host === '127.0.0.1' || config.host === '0.0.0.0' ? 'localhost' : config.host;
  app.log.info({ port }, `JWT Lab is ready at http://${shownHost}:${port} (store: ${storeKindFor(config)}, alg: ${config.jwtAlg})`);
}

main().catch((error: unknown) => {
  console.error(`jwt-lab: cannot start: ${describeStartError(error)}`);
  process.exit(1);
});

function describeStartError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `PORT is already in use (${(error as Error).message.replace(/^.*EADDRINUSE: /, '')}); set PORT to a free port or 0`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${(error as Error).message}`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `HOST is not an address of this machine (${(error as Error).message})`;
  return error instanceof Error ? error.message : String(error);
}
