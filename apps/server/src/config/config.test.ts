import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const expectConfigError = (env: Record<string, string>, variable: string) => {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message.startsWith(variable)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${variable} to be refused`);
};

describe('parseConfig', () => {
  it('has the contract defaults', () => {
    const config = parseConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      jwtSecret: undefined,
      jwtAlg: 'HS256',
      issuer: 'jwt-lab',
      audience: 'jwt-lab-api',
      accessTokenTtl: 900,
      refreshTokenTtl: 604_800,
      cookieSecure: true,
      redisUrl: undefined,
      databaseUrl: undefined,
      logLevel: 'info',
      publicUrl: undefined,
      allowedHosts: [],
      sessionMaxAge: 2_592_000,
      registerLimit: 100,
    });
  });

  it('reads every variable', () => {
    const config = parseConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/x',
      JWT_SECRET: 's'.repeat(32),
      JWT_ISSUER: 'me',
      JWT_AUDIENCE: 'you',
      ACCESS_TOKEN_TTL: '60',
      REFRESH_TOKEN_TTL: '120',
      COOKIE_SECURE: 'false',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', outboxPage: false, attackLab: false, dataDir: '/tmp/x', issuer: 'me', audience: 'you', accessTokenTtl: 60, refreshTokenTtl: 120, cookieSecure: false, redisUrl: 'redis://127.0.0.1:6379', logLevel: 'warn' });
    expect(config.jwtSecret?.length).toBe(32);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ PORT: '3000.5' }, 'PORT'],
    [{ JWT_ALG: 'RS256' }, 'JWT_ALG'],
    [{ JWT_ALG: 'none' }, 'JWT_ALG'],
    [{ ACCESS_TOKEN_TTL: '0' }, 'ACCESS_TOKEN_TTL'],
    [{ ACCESS_TOKEN_TTL: '15m' }, 'ACCESS_TOKEN_TTL'],
    [{ ACCESS_TOKEN_TTL: '600', REFRESH_TOKEN_TTL: '60' }, 'REFRESH_TOKEN_TTL'],
    [{ COOKIE_SECURE: 'maybe' }, 'COOKIE_SECURE'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://127.0.0.1:3306/app' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SESSION_MAX_AGE: '30d' }, 'SESSION_MAX_AGE'],
    [{ SESSION_MAX_AGE: '10' }, 'SESSION_MAX_AGE'],
    [{ ALLOWED_HOSTS: 'https://lb.example' }, 'ALLOWED_HOSTS'],
    [{ ALLOWED_HOSTS: 'lb.example:8080' }, 'ALLOWED_HOSTS'],
    [{ REGISTER_LIMIT: '0' }, 'REGISTER_LIMIT'],
    [{ HOST: '0.0.0.0', ATTACK_LAB: 'true' }, 'ATTACK_LAB'],
    [{ HOST: '10.1.2.3', OUTBOX_PAGE: 'true' }, 'OUTBOX_PAGE'],
    [{ TRUST_PROXY: 'everyone' }, 'TRUST_PROXY'],
    [{ PUBLIC_URL: 'ftp://files.example' }, 'PUBLIC_URL'],
    [{ LINK_TOKEN_TTL: '5' }, 'LINK_TOKEN_TTL'],
    [{ JWT_PREVIOUS_SECRET: 'p'.repeat(40) }, 'JWT_PREVIOUS_SECRET'],
    [{ JWT_SECRET: 's'.repeat(40), JWT_PREVIOUS_SECRET: 's'.repeat(40) }, 'JWT_PREVIOUS_SECRET'],
    [{ ATTACK_LAB: 'sometimes' }, 'ATTACK_LAB'],
    [{ ATTACKER_PORT: '70000' }, 'ATTACKER_PORT'],
    [{ ATTACKER_PORT: 'next' }, 'ATTACKER_PORT'],
    [{ PORT: '4000', ATTACKER_PORT: '4000' }, 'ATTACKER_PORT'],
  ])('refuses %j naming %s', (env, variable) => {
    expectConfigError(env, variable);
  });

  it.each([
    [{ REDIS_URL: 'redis//:hunter2secret@cache' }, 'REDIS_URL is not a URL (expected redis://host:port)'],
    [{ REDIS_URL: 'http://:hunter2secret@127.0.0.1:6379' }, 'REDIS_URL must start with redis:// or rediss://, got "http://"'],
    [{ DATABASE_URL: 'postgres//jwt:hunter2secret@db' }, 'DATABASE_URL is not a URL (expected postgres://user@host:5432/database)'],
    [{ DATABASE_URL: 'mysql://jwt:hunter2secret@127.0.0.1:3306/app' }, 'DATABASE_URL must start with postgres:// or postgresql://, got "mysql://"'],
  ])('refuses a bad store URL %j saying what it expects, never echoing the password', (env, message) => {
    expect(expectConfigError(env, Object.keys(env)[0]!)).toBe(message);
  });

  it('trusts no proxy by default, and the ones named in TRUST_PROXY', () => {
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
  });

  it('keeps PUBLIC_URL as its origin; unset, the app derives it from the port it binds (site/app-origins.test.ts)', () => {
    expect(parseConfig({ PORT: '4000' }).publicUrl).toBeUndefined();
    expect(parseConfig({ PUBLIC_URL: 'https://lab.example/some/path' }).publicUrl).toBe('https://lab.example');
  });

  it('reads ALLOWED_HOSTS as lower-case names', () => {
    expect(parseConfig({ ALLOWED_HOSTS: 'LB.example, 10.0.0.7,[::1]' }).allowedHosts).toEqual(['lb.example', '10.0.0.7', '[::1]']);
  });

  it('turns the outbox page and the attack lab off by default where others can connect', () => {
    expect(parseConfig({ HOST: '0.0.0.0' })).toMatchObject({ outboxPage: false, attackLab: false });
    expect(parseConfig({ HOST: '127.0.0.2' })).toMatchObject({ outboxPage: true, attackLab: true });
    expect(parseConfig({ HOST: '::1' })).toMatchObject({ outboxPage: true, attackLab: true });
  });

  it('shows the outbox page locally and never by default in production', () => {
    expect(parseConfig({}).outboxPage).toBe(true);
    expect(parseConfig({ NODE_ENV: 'production' }).outboxPage).toBe(false);
    expect(parseConfig({ NODE_ENV: 'production', OUTBOX_PAGE: 'true' }).outboxPage).toBe(true);
  });

  it('runs the attack lab locally and never by default in production', () => {
    expect(parseConfig({}).attackLab).toBe(true);
    expect(parseConfig({ NODE_ENV: 'production' }).attackLab).toBe(false);
    expect(parseConfig({ NODE_ENV: 'production', ATTACK_LAB: 'true' }).attackLab).toBe(true);
    expect(parseConfig({ ATTACK_LAB: 'false' }).attackLab).toBe(false);
  });

  it('puts the attacker on PORT + 1000 by default, on a free port with PORT=0, or on ATTACKER_PORT', () => {
    expect(parseConfig({}).attackerPort).toBe(4000);
    expect(parseConfig({ PORT: '3001' }).attackerPort).toBe(4001);
    expect(parseConfig({ PORT: '0' }).attackerPort).toBe(0);
    expect(parseConfig({ PORT: '65000' }).attackerPort).toBe(0);
    expect(parseConfig({ ATTACKER_PORT: '5555' }).attackerPort).toBe(5555);
    expect(parseConfig({ PORT: '0', ATTACKER_PORT: '0' }).attackerPort).toBe(0);
  });

  it('refuses a JWT_SECRET under 32 bytes without echoing it', () => {
    const message = expectConfigError({ JWT_SECRET: 'secret-of-31-bytes-xxxxxxxxxxxx' }, 'JWT_SECRET');
    expect(message).toContain('31 bytes');
    expect(message).not.toContain('secret-of-31');
  });

  it('counts JWT_SECRET in bytes, not characters', () => {
    expect(parseConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret?.length).toBe(32);
  });

  it('refuses JWT_SECRET with an asymmetric algorithm rather than ignore it', () => {
    expectConfigError({ JWT_ALG: 'ES256', JWT_SECRET: 's'.repeat(40) }, 'JWT_SECRET');
  });
});
