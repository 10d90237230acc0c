import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { processAlive } from './process-alive.js';

const run = promisify(execFile);

// PostgreSQL for tests. Most tests use the machine's shared server (127.0.0.1:5432, trust auth,
// user postgres; JWT_LAB_TEST_POSTGRES_URL overrides it), each in a database of its own that it
// drops however it ends. Tests that stop and start PostgreSQL run a cluster of their own
// (startPostgresCluster), never the shared one.

export const ADMIN_URL = process.env.JWT_LAB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const TEST_DATABASE = /^jwtlab_t(\d+)_[0-9a-f]+$/;

/** The URL of `database` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database `jwtlab_t<pid>_<random>`. `drop()` removes it (and any connection still
 * open to it). Databases left by test processes that died are dropped here too.
 */
export async function createTestDatabase(adminUrl = ADMIN_URL) {
  const name = `jwtlab_t${process.pid}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'jwtlab\\_t%'");
    for (const { datname } of rows) {
      const owner = TEST_DATABASE.exec(datname)?.[1];
      if (owner && !processAlive(Number(owner))) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
    // An identifier cannot be a bound parameter; `name` is made here of [a-z0-9_] only.
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  return {
    name,
    url: databaseUrl(adminUrl, name),
    async drop() {
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** Where initdb and pg_ctl are: $PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((entry) => existsSync(path.join(root, entry, 'bin', 'pg_ctl')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

const isRoot = process.getuid?.() === 0;

/**
 * A PostgreSQL cluster of the test's own: initdb into a temp dir (as the postgres user when we are
 * root: PostgreSQL refuses to run as root), trust auth, listening on `addresses` and `port`, its
 * socket in its own dir. The test can stop and start it; `dispose()` stops it and deletes it.
 */
export async function startPostgresCluster({ addresses = ['127.0.0.1'], port, trustNetworks = [] }: { addresses?: string[]; port: number; trustNetworks?: string[] }) {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)');
  const dir = await mkdtemp(path.join(tmpdir(), 'jwt-lab-pg-'));
  const dataDir = path.join(dir, 'data');
  const asOwner = (command: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]) : run(path.join(bin, command), args);
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await asOwner('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // initdb's trust covers loopback only; clients in the test's own namespaces connect from these networks.
  if (trustNetworks.length > 0) {
    await appendFile(path.join(dataDir, 'pg_hba.conf'), trustNetworks.map((network) => `host all all ${network} trust\n`).join(''));
  }
  const options = `-c listen_addresses=${addresses.join(',')} -p ${port} -k ${dir} -c fsync=off -c max_connections=60`;
  let running = false;

  async function start() {
    await asOwner('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '30', '-o', options, 'start']);
    running = true;
  }
  /** `fast`: like an operator's restart (clients are disconnected); `immediate`: a crash. */
  async function stop(mode: 'fast' | 'immediate' = 'fast') {
    if (!running) return;
    await asOwner('pg_ctl', ['-D', dataDir, '-w', '-t', '30', '-m', mode, 'stop']);
    running = false;
  }
  const stopOnExit = () => {
    // Synchronous last resort when the test process exits without dispose(): the postmaster's pid file.
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already stopped
    }
  };
  process.once('exit', stopOnExit);

  await start();
  return {
    port,
    dir,
    /** The URL of `database` (default `postgres`) on `address` (default the first listened on). */
    url: (database = 'postgres', address = addresses[0]!) => `postgres://postgres@${address.includes(':') ? `[${address}]` : address}:${port}/${database}`,
    start,
    stop,
    async dispose() {
      await stop('immediate').catch(() => {});
      process.off('exit', stopOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type PostgresCluster = Awaited<ReturnType<typeof startPostgresCluster>>;
