import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Serves the built SPA (apps/web/dist) at `/`; without a build, the API still runs and says so. */
async function webApp(app: FastifyInstance, { root }: { root: string }) {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn(`the web app is not built (${root}); run "pnpm build" to serve the page`);
    return;
  }
  // wildcard:false registers one route per built file, so unknown paths fall to the JSON 404.
  await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'], maxAge: 0 });
}

export default fp(webApp, { name: 'web-app' });
