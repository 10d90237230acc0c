import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import type { OpenAPIV3_1 } from 'openapi-types';
import { Type } from 'typebox';
import { errorResponses } from '../errors/error-responses.js';
import { renderReferencePage, type ReferencePage } from './reference-page.js';
import { SECURITY_SCHEMES } from './security.js';

export const OPENAPI_PATH = '/api/openapi.json';
export const REFERENCE_PAGE_PATH = '/api/docs';

/** Groups routes by what they are for: `/api/auth/login` → auth, `/.well-known/jwks.json` → well-known. */
export function tagOf(url: string): string {
  const [first = '', second = ''] = url.split('/').filter(Boolean);
  return (first === 'api' ? second : first).replace(/^\./, '') || 'other';
}

/** Answers every route can give before its own code runs: a foreign Host (plugins/host-allowlist.ts). */
const ANSWERED_BY_EVERY_ROUTE = errorResponses('misdirected_request');

/**
 * What the reference adds to a route's own schema: a tag from its path, the answers every route
 * gives, and a description for each success answer that has none (error answers describe their
 * codes already, see error-responses.ts). Copies only: the route's schemas stay as they are for
 * validation and serialisation.
 */
export function describeRoute(schema: FastifySchema | undefined, url: string): FastifySchema {
  const own = (schema?.response ?? {}) as Record<string, Record<string, unknown>>;
  const responses: Record<string, Record<string, unknown>> = { ...ANSWERED_BY_EVERY_ROUTE, ...own };
  const described = Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [status, response.description ? response : { ...response, description: STATUS_CODES[Number(status)] ?? status }]),
  );
  return { ...schema, tags: schema?.tags ?? [tagOf(url)], response: described };
}

/**
 * The API reference, generated from the route schemas: @fastify/swagger collects every route
 * registered after this plugin (so it goes before the routes), and two routes serve the result:
 * the OpenAPI 3.1 document and a page rendering it. Both are built once, at the first request,
 * since routes cannot change after start.
 */
async function apiReference(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'JWT Lab API',
        version: '1',
        description:
          'JSON in, JSON out. Every error, on every route, is `{"error": "<code>", "message": "<sentence>"}`; each status below lists the codes it can carry.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: ({ schema, url }) => ({ schema: describeRoute(schema, url), url }),
  });

  let document: OpenAPIV3_1.Document | undefined;
  let page: ReferencePage | undefined;
  const theDocument = () => (document ??= app.swagger() as OpenAPIV3_1.Document);

  app.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: 'This API as an OpenAPI 3.1 document, generated from the route schemas.',
        tags: ['reference'],
        response: { 200: Type.Object({ openapi: Type.String() }, { additionalProperties: true, description: 'The OpenAPI 3.1 document.' }) },
      },
    },
    async () => theDocument(),
  );

  app.get(
    REFERENCE_PAGE_PATH,
    {
      schema: {
        summary: 'This API reference as a page (rendered from the OpenAPI document).',
        tags: ['reference'],
        // The page is HTML; its errors are the JSON envelope like every other route's.
        response: { 200: { description: 'An HTML page: no script, styles allowed by hash only.', content: { 'text/html': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      page ??= renderReferencePage(theDocument());
      return reply.header('content-security-policy', page.contentSecurityPolicy).type('text/html; charset=utf-8').send(page.html);
    },
  );
}

export default fp(apiReference, { name: 'api-reference' });
