import http from 'node:http';
import { ErrorResponse, firstMismatch } from '@jwt-lab/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

// node:http rather than fetch: the bench sends exactly the headers it names (fetch may add an
// Origin, which the login CSRF check judges), and keep-alive makes the revocation polls cheap.
const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeoutMs?: number;
  /** Another pool (the burst's probe keeps a connection of its own), or false for a fresh connection. */
  agent?: http.Agent | false;
}

/** One request with a deadline; only loopback URLs are ever passed in. */
export function request(url: string, { method = 'GET', headers = {}, json, timeoutMs = 10_000, agent = keepAliveAgent }: RequestOptions = {}): Promise<HttpAnswer> {
  const payload = json === undefined ? undefined : JSON.stringify(json);
  const allHeaders = payload === undefined ? headers : { ...headers, 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method, headers: allHeaders, agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url} took more than ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** The `error` code of an API error body, if there is one. */
export function errorCode(answer: HttpAnswer): string | undefined {
  return Value.Check(ErrorResponse, answer.body) ? answer.body.error : undefined;
}

/** The answer's body checked against the shared schema of that route: never cast. */
export function parseBody<Schema extends TSchema>(schema: Schema, answer: HttpAnswer, what: string): Static<Schema> {
  if (Value.Check(schema, answer.body)) return answer.body;
  throw new Error(`${what}: the answer does not match its schema (${firstMismatch(schema, answer.body, 'the body')})`);
}

/** Lets the bench exit: keep-alive sockets would otherwise hold the event loop open. */
export function closeConnections(): void {
  keepAliveAgent.destroy();
}
