import type { FastifyServerOptions } from 'fastify';
import { REQUEST_LOG_OPTIONS } from '../../src/request-log.js';

/**
 * Our server's request logging (pino at info, its serializer and redaction, two lines a request),
 * so that a reference pays what ours pays for its log lines and the ratios compare routes, not
 * loggers. pino writes to stdout, which the bench points at the same sink for every server.
 */
export const referenceLogger: FastifyServerOptions['logger'] = { level: 'info', ...REQUEST_LOG_OPTIONS };

/** The bench picks the port (so that a server's stdout can go straight to its sink). */
export function listenOptions() {
  return { host: '127.0.0.1', port: Number(process.env.PORT ?? 0) };
}
