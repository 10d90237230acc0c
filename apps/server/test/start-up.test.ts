import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real process, started as `pnpm serve` would (from source here): a bad value stops it with
// one clear line naming the variable; PORT=0 picks a port and says which.

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-start-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jwt-lab/source', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function expectRefusedStart(env: Record<string, string>, variable: string) {
  const server = startServer(env);
  expect(await server.exited).toBe(1);
  const { stderr } = server.output();
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^jwt-lab: cannot start: ${variable} `));
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0]!;
}

describe('start-up', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ JWT_ALG: 'HS999' }, 'JWT_ALG'],
    [{ REDIS_URL: 'definitely not a url' }, 'REDIS_URL'],
    [{ ACCESS_TOKEN_TTL: 'soon' }, 'ACCESS_TOKEN_TTL'],
  ])('refuses %j with one line naming %s', async (env, variable) => {
    await expectRefusedStart(env, variable);
  });

  it('refuses a short JWT_SECRET with a clear line that does not echo it', async () => {
    const line = await expectRefusedStart({ JWT_SECRET: 'too-short-secret' }, 'JWT_SECRET');
    expect(line).not.toContain('too-short-secret');
  });

  it('says in one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const server = startServer({ PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.output().stderr.trim()).toMatch(/^jwt-lab: cannot start: PORT is already in use/);
    } finally {
      blocker.close();
    }
  });

  it('refuses a second instance on the same DATA_DIR without Redis, naming DATA_DIR and REDIS_URL', async () => {
    const first = startServer({ PORT: '0' });
    try {
      await readyPort(first);
      const line = await expectRefusedStart({ PORT: '0' }, 'DATA_DIR');
      expect(line).toMatch(/in use by another JWT Lab process.*REDIS_URL/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('with PORT=0 picks a free port, logs it, serves, and stops cleanly on SIGTERM', async () => {
    const server = startServer({ PORT: '0' });
    try {
      const port = await readyPort(server);
      expect(port).toBeGreaterThan(0);
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', store: 'sqlite' });
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});

/** The port named by the server's ready line. */
function readyPort(server: ReturnType<typeof startServer>) {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${JSON.stringify(server.output())}`)), 15_000);
    server.child.stdout.on('data', () => {
      const match = /"port":(\d+).*JWT Lab is ready at http:\/\/localhost:(\d+)/.exec(server.output().stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[2]));
      }
    });
  });
}
