import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/config.js';
import { ERROR_TABLE } from '../src/errors/api-error.js';
import { errorOf, startTestApp, TEST_SECRET, type TestApp } from './support/test-app.js';

// The API reference is generated from the route schemas; these prove it lists exactly the routes
// the app answers on (routes added later are picked up by themselves: the list comes from the
// router), that each documented error status carries the codes the error table gives it, and that
// what the document says about credentials is what the routes do.

type Operation = OpenAPIV3_1.OperationObject;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options'] as const;

let testApp: TestApp;
let document: OpenAPIV3_1.Document;

beforeAll(async () => {
  testApp = await startTestApp();
  const response = await testApp.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  document = response.json();
});
afterAll(() => testApp.close());

/**
 * Every method and path the router answers, read from Fastify's own route tree (not from the
 * document's generator), with OpenAPI's `{param}` spelling. HEAD routes Fastify adds for each GET
 * are left out, as the document leaves them out.
 */
function routerRoutes(app: FastifyInstance): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = (at - 1) / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 3))!;
    const fullPath = (depth > 0 ? prefixes[depth - 1]! : '') + match[1]!;
    prefixes[depth] = fullPath;
    prefixes.length = depth + 1;
    const methods = match[2]?.split(', ') ?? [];
    for (const method of methods) {
      if (method === 'HEAD' && methods.includes('GET')) continue;
      routes.push(`${method} ${fullPath.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

function documentedOperations(): { key: string; method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item?.[method] ? [{ key: `${method.toUpperCase()} ${path}`, method, path, operation: item[method] }] : [])),
  );
}

const responseOf = (operation: Operation, status: number) => operation.responses?.[String(status)] as OpenAPIV3_1.ResponseObject | undefined;

function documentedCodes(operation: Operation, status: number): string[] {
  const schema = responseOf(operation, status)?.content?.['application/json']?.schema as { properties?: { error?: { enum?: string[] } } } | undefined;
  return schema?.properties?.error?.enum ?? [];
}

/** A request to the operation's path with placeholder path parameters. */
const urlOf = (path: string) => path.replace(/\{\w+\}/g, 'not-a-real-id');

/** Expects an answer the operation documents: its status listed, and for an error its code among that status's codes. */
function expectDocumented(operation: Operation, key: string, response: { statusCode: number; json(): unknown }) {
  expect(responseOf(operation, response.statusCode), `${key} answered ${response.statusCode}, which it does not document`).toBeDefined();
  if (response.statusCode >= 400) {
    const { error } = response.json() as { error: string };
    expect(documentedCodes(operation, response.statusCode), `${key} answered ${response.statusCode} ${error}`).toContain(error);
  }
}

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('lists exactly the routes the app registers, no more, no fewer', () => {
    const documented = documentedOperations().map(({ key }) => key).sort();
    expect(documented).toEqual(routerRoutes(testApp.app));
    // The contract's routes, so that an empty router and an empty document cannot agree.
    for (const key of ['GET /api/health', 'POST /api/auth/login', 'GET /api/private', 'POST /api/auth/logout-all', 'GET /.well-known/jwks.json', 'GET /api/openapi.json', 'GET /api/docs']) {
      expect(documented).toContain(key);
    }
  });

  it('leaves the built page out: its files are not part of the API', async () => {
    const webRoot = await mkdtemp(path.join(tmpdir(), 'jwt-lab-web-'));
    const dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-openapi-'));
    await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>page</title>');
    await writeFile(path.join(webRoot, 'app.js'), '');
    const app = await buildApp({ config: parseConfig({ DATA_DIR: dataDir, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' }), webRoot });
    try {
      await app.ready();
      expect((await app.inject({ method: 'GET', url: '/app.js' })).statusCode).toBe(200);
      const paths = Object.keys((await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<OpenAPIV3_1.Document>().paths ?? {});
      expect(paths.filter((documented) => !documented.startsWith('/api/') && !documented.startsWith('/.well-known/'))).toEqual([]);
      expect(routerRoutes(app)).toEqual(expect.arrayContaining(['GET /', 'GET /app.js', 'GET /index.html']));
    } finally {
      await app.close();
      await Promise.all([webRoot, dataDir].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it('gives every route a summary, a tag and a success answer', () => {
    for (const { key, operation } of documentedOperations()) {
      expect(operation.summary, key).toMatch(/\w/);
      expect(operation.tags?.length, key).toBe(1);
      expect(Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2')), key).toBe(true);
    }
  });

  it('lists, for every error status, the codes the error table answers with that status', () => {
    for (const { key, operation } of documentedOperations()) {
      for (const [status, response] of Object.entries(operation.responses ?? {}) as [string, OpenAPIV3_1.ResponseObject][]) {
        if (Number(status) < 400) continue;
        const codes = documentedCodes(operation, Number(status));
        expect(codes.length, `${key} ${status}`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(ERROR_TABLE[code as keyof typeof ERROR_TABLE]?.status, `${key} ${status} lists ${code}`).toBe(Number(status));
          expect(response.description, `${key} ${status} describes ${code}`).toContain(`\`${code}\``);
        }
      }
    }
  });

  it('describes the credentials of every strategy: Bearer, the cookies with their CSRF header, DPoP with its proof', () => {
    const schemes = document.components?.securitySchemes as Record<string, Record<string, string>>;
    expect(schemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.accessCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'jwtlab_access' });
    expect(schemes.refreshCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'jwtlab_refresh' });
    expect(schemes.csrfToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-csrf-token' });
    expect(schemes.memoryRefreshCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'jwtlab_memory_refresh' });
    expect(schemes.dpopToken).toMatchObject({ type: 'http', scheme: 'DPoP' });
    expect(schemes.dpopProof).toMatchObject({ type: 'apiKey', in: 'header', name: 'dpop' });
    for (const { key, operation } of documentedOperations()) {
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) expect(schemes, `${key} names ${name}`).toHaveProperty(name);
        // The cookie alone never changes state: a route that takes it for a POST or DELETE wants the CSRF header too.
        if (key.startsWith('POST') || key.startsWith('DELETE')) {
          if ('accessCookie' in requirement || 'refreshCookie' in requirement || 'memoryRefreshCookie' in requirement) expect(requirement, key).toHaveProperty('csrfToken');
          // A DPoP-bound token is never sent without its proof.
          if ('dpopToken' in requirement) expect(requirement, key).toHaveProperty('dpopProof');
        }
      }
    }
  });

  it('says which routes need a credential, as the routes behave: without one, those and only those answer 401 missing_token', async () => {
    for (const { key, method, path, operation } of documentedOperations()) {
      const response = await testApp.inject({ method: method.toUpperCase(), url: urlOf(path) });
      const refusedForNoCredential = response.statusCode === 401 && response.json<{ error: string }>().error === 'missing_token';
      expect(refusedForNoCredential, `${key} answered ${response.statusCode} without a credential`).toBe(operation.security !== undefined);
      expectDocumented(operation, key, response);
    }
  });

  it('documents the 421 misdirected_request every route answers for a foreign Host', async () => {
    for (const { key, method, path, operation } of documentedOperations()) {
      const response = await testApp.inject({ method: method.toUpperCase(), url: urlOf(path), headers: { host: 'evil.example' } });
      expect([response.statusCode, errorOf(response).error], key).toEqual([421, 'misdirected_request']);
      expectDocumented(operation, key, response);
    }
  });

  it('documents what every route with a body answers to a bad body: 400, 413 and 415', async () => {
    const withBody = documentedOperations().filter(({ operation }) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(5);
    for (const { key, method, path, operation } of withBody) {
      const send = (payload: string, contentType: string) =>
        testApp.inject({ method: method.toUpperCase(), url: urlOf(path), payload, headers: { 'content-type': contentType } });
      const malformed = await send('{"oops', 'application/json');
      expect([malformed.statusCode, errorOf(malformed).error], key).toEqual([400, 'invalid_request']);
      expectDocumented(operation, key, malformed);
      const asText = await send('{}', 'text/plain');
      expect([asText.statusCode, errorOf(asText).error], key).toEqual([415, 'unsupported_media_type']);
      expectDocumented(operation, key, asText);
      const oversize = await send(JSON.stringify({ filler: 'x'.repeat(20_000) }), 'application/json');
      expect([oversize.statusCode, errorOf(oversize).error], key).toEqual([413, 'payload_too_large']);
      expectDocumented(operation, key, oversize);
    }
  });
});

describe('GET /api/docs', () => {
  it('renders every operation of the document as HTML, under a policy that allows no script', async () => {
    const response = await testApp.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const policy = String(response.headers['content-security-policy']);
    expect(policy).toMatch(/^default-src 'none'; /);
    expect(policy).not.toMatch(/script-src|unsafe-inline|unsafe-eval|https?:/);
    const html = response.body;
    expect(html).not.toMatch(/<script|\son\w+=/i);
    // The one inline style is the one the policy's hash allows.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(policy).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    for (const { method, path } of documentedOperations()) {
      expect(html).toContain(`<span class="method">${method}</span><code>${path}</code>`);
    }
    for (const scheme of ['bearerToken', 'accessCookie', 'csrfToken', 'refreshCookie', 'memoryRefreshCookie', 'dpopToken', 'dpopProof']) expect(html).toContain(`<code>${scheme}</code>`);
    expect(html).toContain('<code>token_revoked</code>');
  });
});
