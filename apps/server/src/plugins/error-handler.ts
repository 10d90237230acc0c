import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode, ErrorResponse } from '@jwt-lab/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, ERROR_TABLE } from '../errors/api-error.js';
import { StoreUnavailableError } from '../stores/types.js';

/** Fastify's own client errors (parsing, limits) mapped to the API's codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_VALIDATION: 'invalid_request',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function send(reply: FastifyReply, code: ErrorCode, message = ERROR_TABLE[code].message) {
  const body: ErrorResponse = { error: code, message };
  return reply.status(ERROR_TABLE[code].status).type('application/json; charset=utf-8').send(body);
}

/**
 * The one place errors become answers: handlers throw, this replies with `{error, message}`.
 * Client mistakes get their 4xx; anything else is a generic 5xx logged with the request id
 * (request logs never hold headers or bodies, so no token reaches them).
 */
async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiError) {
      reply.headers(error.headers);
      return send(reply, error.code, error.message);
    }
    if (error instanceof StoreUnavailableError) {
      request.log.error({ err: error.cause ?? error }, 'session store unavailable');
      return send(reply, 'store_unavailable');
    }
    if (error.validation) {
      return send(reply, 'invalid_request', `Invalid request: ${error.message}.`);
    }
    const code = FASTIFY_CODES[error.code] ?? (error.statusCode ? BY_STATUS[error.statusCode] : undefined);
    if (code) return send(reply, code, code === 'invalid_request' ? `Invalid request: ${error.message}` : undefined);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, 'invalid_request', error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 'internal_error');
  });

  app.setNotFoundHandler((request, reply) => send(reply, 'not_found', `Nothing at ${request.method} ${request.url.split('?')[0]}.`));
}

/** Errors Fastify meets before routing (a malformed URL escape): the same envelope as the rest. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void send(reply, 'invalid_request', `Invalid request: ${error.message}`);
}

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (a malformed request line or
 * Content-Length, oversized headers, a request that never finishes): answered on the socket, still
 * with the envelope, then closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'invalid_request';
  const { status, message } = ERROR_TABLE[code];
  const body = JSON.stringify({ error: code, message } satisfies ErrorResponse);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export default fp(errorHandler, { name: 'error-handler' });
