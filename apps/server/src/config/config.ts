import path from 'node:path';
import { JWT_ALGORITHMS, type JwtAlgorithm } from '@jwt-lab/shared';

/** Everything the app reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** HS256 key given by the operator; when absent one is generated into dataDir. */
  jwtSecret: Buffer | undefined;
  /** The HS256 secret JWT_SECRET replaced: verifies (never signs) until its tokens have expired. */
  jwtPreviousSecret: Buffer | undefined;
  jwtAlg: JwtAlgorithm;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  cookieSecure: boolean;
  redisUrl: string | undefined;
  /** PostgreSQL (`postgres://…`): users, links, login limits and signing keys, and sessions unless redisUrl is set. */
  databaseUrl: string | undefined;
  /** Every Redis key and channel of this deployment starts with it, so deployments can share a Redis. */
  redisKeyPrefix: string;
  logLevel: LogLevel;
  /** Where people reach the page; links in messages point here (never at a request's Host header). Undefined: http://localhost:<the port bound>. */
  publicUrl: string | undefined;
  /** Host names answered besides PUBLIC_URL's host (and loopback names while HOST is loopback), lower case. */
  allowedHosts: string[];
  /** Seconds from login after which a session ends, however often it is refreshed. */
  sessionMaxAge: number;
  /** Registrations (and password resets) one client address may start per 15 minutes. */
  registerLimit: number;
  /** Lifetime of single-use links (email verification, password reset), seconds. */
  linkTokenTtl: number;
  /** Whether the page may list the local outbox (every message, every link): for local runs only. */
  outboxPage: boolean;
  /**
   * Which proxies may tell us the client's address (X-Forwarded-For): false (none, the default),
   * true (any: only behind a proxy that overwrites the header), or a list of addresses/CIDRs.
   */
  trustProxy: boolean | string;
  /**
   * Whether the attack lab runs: a second listener on loopback playing the attacker's site, the
   * routes the page's lab uses, and that site in the CSP's connect-src. For local runs only.
   */
  attackLab: boolean;
  /** Port of the attacker's site (always on loopback); 0 picks a free one. */
  attackerPort: number;
  /**
   * Whether DPoP proofs must carry a server nonce (RFC 9449, section 8), bounding how long before
   * use a proof can be made. Off by default: it costs a client one extra round trip per nonce slot.
   */
  dpopNonce: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad configuration value: the message names the variable and is shown as the one line at start. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

export const MIN_SECRET_BYTES = 32;

type Env = Record<string, string | undefined>;

/** Reads and checks every variable of the contract; the rest of the code receives values, not env. */
export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const jwtAlg = oneOf(env, 'JWT_ALG', JWT_ALGORITHMS, 'HS256');
  const accessTokenTtl = integer(env, 'ACCESS_TOKEN_TTL', 900, 1, 86_400);
  const refreshTokenTtl = integer(env, 'REFRESH_TOKEN_TTL', 604_800, 1, 31_536_000);
  if (refreshTokenTtl < accessTokenTtl) {
    throw new ConfigError('REFRESH_TOKEN_TTL', `must be at least ACCESS_TOKEN_TTL (${accessTokenTtl} s)`);
  }
  const port = integer(env, 'PORT', 3000, 0, 65_535);
  const host = text(env, 'HOST', '127.0.0.1');
  // Local teaching aids (every message and link; an attacker's site) default to off where others can reach the app.
  const localOnlyDefault = raw(env, 'NODE_ENV') !== 'production' && isLoopbackAddress(host);
  const outboxPage = localOnly(env, 'OUTBOX_PAGE', host, localOnlyDefault);
  const attackLab = localOnly(env, 'ATTACK_LAB', host, localOnlyDefault);
  return {
    port,
    host,
    dataDir: path.resolve(cwd, text(env, 'DATA_DIR', './data')),
    jwtSecret: secret(env, 'JWT_SECRET', jwtAlg),
    jwtPreviousSecret: previousSecret(env, jwtAlg),
    jwtAlg,
    issuer: text(env, 'JWT_ISSUER', 'jwt-lab'),
    audience: text(env, 'JWT_AUDIENCE', 'jwt-lab-api'),
    accessTokenTtl,
    refreshTokenTtl,
    cookieSecure: boolean(env, 'COOKIE_SECURE', true),
    redisUrl: storeUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://host:port'),
    databaseUrl: storeUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user@host:5432/database'),
    redisKeyPrefix: text(env, 'REDIS_KEY_PREFIX', 'jwt-lab:'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    publicUrl: publicUrl(env),
    allowedHosts: allowedHosts(env),
    sessionMaxAge: integer(env, 'SESSION_MAX_AGE', 2_592_000, 60, 31_536_000),
    registerLimit: integer(env, 'REGISTER_LIMIT', 100, 1, 1_000_000),
    linkTokenTtl: integer(env, 'LINK_TOKEN_TTL', 900, 60, 86_400),
    // The outbox lists every message with its link: a local stand-in for email, never for production.
    outboxPage,
    trustProxy: trustProxy(env),
    // An attacker's site inside the app's process: a teaching aid, never for production.
    attackLab,
    attackerPort: attackerPort(env, port),
    dpopNonce: boolean(env, 'DPOP_NONCE', false),
  };
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function secret(env: Env, name: string, alg: JwtAlgorithm): Buffer | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (alg !== 'HS256') {
    throw new ConfigError(name, `is only used with JWT_ALG=HS256; unset it to sign with ${alg}`);
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    // Never echo the secret itself.
    throw new ConfigError(
      name,
      `is ${bytes.length} bytes; HS256 needs at least ${MIN_SECRET_BYTES} random bytes (try: openssl rand -base64 48)`,
    );
  }
  return bytes;
}

function previousSecret(env: Env, alg: JwtAlgorithm): Buffer | undefined {
  const previous = secret(env, 'JWT_PREVIOUS_SECRET', alg);
  if (previous === undefined) return undefined;
  const current = secret(env, 'JWT_SECRET', alg);
  if (current === undefined) throw new ConfigError('JWT_PREVIOUS_SECRET', 'needs JWT_SECRET: it is the secret JWT_SECRET replaced');
  if (current.equals(previous)) throw new ConfigError('JWT_PREVIOUS_SECRET', 'is the same as JWT_SECRET; set it to the old secret');
  return previous;
}

function trustProxy(env: Env): boolean | string {
  const value = raw(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (!/^[0-9A-Fa-f.:/]+(,\s*[0-9A-Fa-f.:/]+)*$/.test(value)) {
    throw new ConfigError('TRUST_PROXY', `must be true, false, or addresses/CIDRs separated by commas, got "${value}"`);
  }
  return value;
}

/**
 * PORT + 1000 by default (4000 beside 3000): instances on neighbouring ports (3001, 3002) then get
 * neighbouring attackers too instead of colliding with each other. PORT=0 picks both freely.
 */
function attackerPort(env: Env, port: number): number {
  const fallback = port === 0 || port + 1000 > 65_535 ? 0 : port + 1000;
  const value = integer(env, 'ATTACKER_PORT', fallback, 0, 65_535);
  if (value !== 0 && value === port) throw new ConfigError('ATTACKER_PORT', `must differ from PORT (${port}): the attacker is a site of its own`);
  return value;
}

function publicUrl(env: Env): string | undefined {
  const value = raw(env, 'PUBLIC_URL');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('PUBLIC_URL', `is not a URL (expected e.g. https://jwt-lab.example), got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('PUBLIC_URL', 'must start with http:// or https://');
  return url.origin;
}

function allowedHosts(env: Env): string[] {
  const value = raw(env, 'ALLOWED_HOSTS');
  if (value === undefined) return [];
  return value.split(',').map((name) => {
    const host = name.trim().toLowerCase();
    // A host name, an IPv4 address or a bracketed IPv6 address; no scheme, path or port.
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/.test(host)) {
      throw new ConfigError('ALLOWED_HOSTS', `must be host names separated by commas (no scheme or port), got "${name.trim()}"`);
    }
    return host;
  });
}

/** True for addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name === '::1' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** OUTBOX_PAGE and ATTACK_LAB expose what only this machine's user may see: refused where others can connect. */
function localOnly(env: Env, name: string, host: string, fallback: boolean): boolean {
  const on = boolean(env, name, fallback);
  if (on && !isLoopbackAddress(host)) {
    throw new ConfigError(name, `cannot be on while HOST (${host}) is not a loopback address: it is for local runs only; set ${name}=false`);
  }
  return on;
}

/**
 * The URL of a store the app connects to, kept as given. Never echoed in a message: it may carry
 * a password.
 */
function storeUrl(env: Env, name: 'REDIS_URL' | 'DATABASE_URL', protocols: readonly string[], example: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL (expected ${example})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((protocol) => `${protocol}//`).join(' or ')}, got "${url.protocol}//"`);
  }
  return value;
}
