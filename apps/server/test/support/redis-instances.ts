import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { Value } from 'typebox/value';

const SERVER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The app from source, as `npx tsx --conditions=@jwt-lab/source src/main.ts` runs it, in one process we can signal. */
const SERVER_COMMAND = ['--conditions=@jwt-lab/source', '--import', 'tsx', 'src/main.ts'];
const KEPT_OUTPUT_LINES = 200;

/**
 * Runs src/main.ts with the given environment and nothing inherited that could change its
 * configuration. `wrap` runs it through another command (e.g. `ip netns exec <name>`).
 */
export function spawnServer(env: Record<string, string>, wrap: string[] = []) {
  const [command, ...args] = [...wrap, process.execPath, ...SERVER_COMMAND];
  return spawn(command!, args, {
    cwd: SERVER_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A real server process (one "instance" behind a load balancer), started from source with PORT=0;
 * resolves once its log says it is ready, with the port it reports.
 */
export async function startServerProcess(env: Record<string, string>, readyTimeoutMs = 30_000, { wrap = [] }: { wrap?: string[] } = {}) {
  const child = spawnServer({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, wrap);
  const host = env.HOST ?? '127.0.0.1';
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - KEPT_OUTPUT_LINES));
  };
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const { port, readyLine } = await new Promise<{ port: number; readyLine: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${readyTimeoutMs} ms:\n${lines.join('\n')}`)), readyTimeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('JWT Lab is ready')) continue;
        clearTimeout(timer);
        resolve({ port: Value.Parse(ReadyLine, JSON.parse(line)).port, readyLine: line });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${lines.join('\n')}`));
    });
  });

  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    pid: child.pid!,
    readyLine,
    output: () => lines.join('\n'),
    /** SIGTERM (the app closes its connections), then SIGKILL if it has not exited within 5 s. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    },
  };
}

export type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;

/** The server's "ready" log line, of which only the port is read. */
const ReadyLine = Type.Object({ port: Type.Integer() });
/** Any JSON object the API answers; tests assert on its fields. */
const AnswerBody = Type.Record(Type.String(), Type.Unknown());

export interface ApiAnswer {
  status: number;
  body: { error?: string; [field: string]: unknown } | null;
  headers: Headers;
}

/** One JSON request to an instance, as a client outside would send it. */
export async function callApi(
  server: { url: string },
  method: 'GET' | 'POST',
  route: string,
  { token, body }: { token?: string; body?: unknown } = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? Value.Parse(AnswerBody, JSON.parse(text)) : null, headers: response.headers };
}
