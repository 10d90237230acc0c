import type { FastifyServerOptions } from 'fastify';

/**
 * The same logger configuration as apps/server/src/app.ts (pino at info, the same request
 * serializer and redaction), so that a reference server pays what ours pays for its two
 * request log lines and the ratios compare routes, not loggers. pino writes to stdout, which
 * the bench points at the same sink for every server.
 */
export const referenceLogger: FastifyServerOptions['logger'] = {
  level: 'info',
  serializers: {
    req: (request: { method: string; url: string }) => ({ method: request.method, path: request.url.split('?')[0] }),
  },
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
};

/** The bench picks the port (so that a server's stdout can go straight to its sink). */
export function listenOptions() {
  return { host: '127.0.0.1', port: Number(process.env.PORT ?? 0) };
}
