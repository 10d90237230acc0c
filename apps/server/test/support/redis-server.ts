import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own, on its own port and temp dir, so that the test can stop and
 * restart it without touching the machine's shared Redis. Persistence as recommended in
 * docs/multi-instance.md: AOF with an fsync per write and no snapshots, so that a restart brings
 * back every acknowledged revocation and never an older state.
 */
export async function startRedisServer({ bind = ['127.0.0.1'] }: { bind?: string[] } = {}) {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-redis-'));
  const url = `redis://${bind[0]}:${port}`;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function start() {
    child = spawn(
      'redis-server',
      // Protected mode refuses clients from other hosts while no password is set: the test's own hosts are such clients.
      ['--port', String(port), '--bind', ...bind, '--protected-mode', bind.every((address) => address.startsWith('127.')) ? 'yes' : 'no', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--logfile', path.join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused until the server listens: expected, retried below
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch (error) {
        probe.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start: ${(error as Error).message}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Stops the server by its PID and waits for it to exit. SIGKILL is a crash: nothing gets flushed. */
  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    process.kill(running.pid!, signal);
    await exited;
  }

  await start();
  return {
    url,
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    stop,
    /** Starts it again on the same port and directory: it reloads its append-only file. */
    restart: start,
    /** A plain connection for inspecting keys in tests. */
    connect: () => new Redis(url),
    async dispose() {
      await stop('SIGKILL');
      process.off('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type RedisServer = Awaited<ReturnType<typeof startRedisServer>>;

/** A key prefix no other test file or run shares. */
export const uniqueKeyPrefix = (name: string) => `jwt-lab-test:${name}:${process.pid}:${Date.now().toString(36)}:`;
