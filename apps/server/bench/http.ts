import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

// node:http rather than fetch: the bench sends exactly the headers it names (fetch may add an
// Origin, which the login CSRF check judges), and keep-alive makes the revocation polls cheap.
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One request with a deadline; only loopback URLs are ever passed in. */
export function request(
  url: string,
  { method = 'GET', headers = {}, json, timeoutMs = 10_000 }: { method?: string; headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
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
  const body = answer.body as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : undefined;
}

/** Lets the bench exit: keep-alive sockets would otherwise hold the event loop open. */
export function closeConnections(): void {
  agent.destroy();
}
