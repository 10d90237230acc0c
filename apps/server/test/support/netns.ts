import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { processAlive } from './process-alive.js';

const run = promisify(execFile);

// Separate hosts for tests: each in a network namespace of its own (`ip netns`), joined to the
// test's side by a veth pair on one bridge, like machines on one LAN. Addresses come from
// 198.18.0.0/15 (RFC 2544, set aside for network tests): only ever assigned inside what this
// creates, never routed anywhere. Everything is named after this process's pid, so that what a
// test process that died left behind is recognised and deleted by the next one.

export interface TestHost {
  /** The namespace: run a command there with `ip netns exec <namespace> …`. */
  namespace: string;
  address: string;
  /** Prefix for spawning a process on this host. */
  wrap: string[];
}

export interface TestNetwork {
  /** The test's own side of the LAN (the database and Redis listen here). */
  gateway: string;
  /** What the database must trust: the LAN's addresses. */
  cidr: string;
  hosts: TestHost[];
  dispose(): Promise<void>;
}

const OWNED = /^jl[bv](\d+)[a-z]?$/;
const OWNED_NAMESPACE = /^jwtlab-(\d+)-/;

const ip = (...args: string[]) => run('ip', args);

/** Why namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.env.JWT_LAB_TEST_NO_NETNS) return 'JWT_LAB_TEST_NO_NETNS is set';
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    await ip('netns', 'list');
  } catch (error) {
    return `\`ip netns\` failed (${(error as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

/** Deletes namespaces, bridges and veths left by test processes that are gone. */
async function removeLeftovers() {
  const { stdout: namespaces } = await ip('netns', 'list');
  for (const line of namespaces.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = OWNED_NAMESPACE.exec(name)?.[1];
    if (owner && !processAlive(Number(owner))) await ip('netns', 'delete', name).catch(() => {});
  }
  const { stdout: links } = await ip('-o', 'link', 'show');
  for (const line of links.split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '';
    const owner = OWNED.exec(name)?.[1];
    if (owner && !processAlive(Number(owner))) await ip('link', 'delete', name).catch(() => {});
  }
}

/** A /24 of 198.18.0.0/15 that no interface of this machine uses yet. */
async function freeSubnet(): Promise<string> {
  const { stdout } = await ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 500; i++) {
    const third = (process.pid + i) % 256;
    const second = 18 + (Math.floor((process.pid + i) / 256) % 2);
    const prefix = `198.${second}.${third}`;
    if (!stdout.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}

/**
 * `count` hosts on one bridge with the test's side. `dispose()` deletes all of it; so does the
 * exit of this process (synchronously, as a last resort), and the next run if both were missed.
 */
export async function createTestNetwork(count: number): Promise<TestNetwork> {
  await removeLeftovers();
  const pid = process.pid;
  const bridge = `jlb${pid}`;
  const prefix = await freeSubnet();
  const hostNames = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
  const namespaces = hostNames.map((name) => `jwtlab-${pid}-${name}`);

  const removeSync = () => {
    for (const namespace of namespaces) {
      try {
        execFileSync('ip', ['netns', 'delete', namespace], { stdio: 'ignore' });
      } catch {
        // not there
      }
    }
    try {
      execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' });
    } catch {
      // not there
    }
  };
  process.once('exit', removeSync);

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${prefix}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    const hosts: TestHost[] = [];
    for (const [i, name] of hostNames.entries()) {
      const namespace = namespaces[i]!;
      const outside = `jlv${pid}${name}`;
      const address = `${prefix}.${i + 2}`;
      await ip('netns', 'add', namespace);
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
      await ip('link', 'set', outside, 'master', bridge);
      await ip('link', 'set', outside, 'up');
      await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', namespace, 'link', 'set', 'eth0', 'up');
      hosts.push({ namespace, address, wrap: ['ip', 'netns', 'exec', namespace] });
    }
    return {
      gateway: `${prefix}.1`,
      cidr: `${prefix}.0/24`,
      hosts,
      async dispose() {
        // Deleting a namespace deletes its end of the veth, and with it the other end.
        for (const namespace of namespaces) await ip('netns', 'delete', namespace).catch(() => {});
        await ip('link', 'delete', bridge).catch(() => {});
        process.off('exit', removeSync);
      },
    };
  } catch (error) {
    removeSync();
    process.off('exit', removeSync);
    throw error;
  }
}
