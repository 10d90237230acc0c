import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { LoginRequest, LoginResponse, RegisterRequest, SessionResponse } from './api.js';
import { CrossSitePageQuery, WeakenedLoginRequest } from './attack-lab.js';
import { ERROR_CODES, ErrorResponse } from './errors.js';

// The schemas are the contract both sides compile against; these pin the rules they encode.

describe('RegisterRequest', () => {
  it.each(['abc', 'a'.repeat(64), 'alice.smith-2_x', 'ABC'])('accepts the username %s', (username) => {
    expect(Value.Check(RegisterRequest, { username, password: '12345678' })).toBe(true);
  });

  it.each(['ab', 'a'.repeat(65), 'ålice', 'a b', 'a/b', "a'--", ''])('refuses the username %j', (username) => {
    expect(Value.Check(RegisterRequest, { username, password: '12345678' })).toBe(false);
  });

  it('bounds passwords to 8..256 characters', () => {
    expect(Value.Check(RegisterRequest, { username: 'alice', password: '1234567' })).toBe(false);
    expect(Value.Check(RegisterRequest, { username: 'alice', password: 'x'.repeat(256) })).toBe(true);
    expect(Value.Check(RegisterRequest, { username: 'alice', password: 'x'.repeat(257) })).toBe(false);
  });

  it('refuses unknown fields', () => {
    expect(Value.Check(RegisterRequest, { username: 'alice', password: '12345678', admin: true })).toBe(false);
  });
});

describe('LoginRequest', () => {
  it('takes only the four modes', () => {
    const base = { username: 'alice', password: '12345678' };
    for (const mode of ['header', 'cookie', 'memory', 'dpop']) expect(Value.Check(LoginRequest, { ...base, mode })).toBe(true);
    expect(Value.Check(LoginRequest, { ...base, mode: 'query' })).toBe(false);
    expect(Value.Check(LoginRequest, base)).toBe(false);
  });
});

describe('LoginResponse', () => {
  const user = { id: 'u1', username: 'alice' };

  it('accepts each mode with its own fields', () => {
    expect(Value.Check(LoginResponse, { mode: 'header', user, accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900 })).toBe(true);
    expect(Value.Check(LoginResponse, { mode: 'cookie', user, expiresIn: 900, csrfToken: 'c' })).toBe(true);
    expect(Value.Check(LoginResponse, { mode: 'memory', user, accessToken: 'a', tokenType: 'Bearer', expiresIn: 900, csrfToken: 'c' })).toBe(true);
    expect(Value.Check(LoginResponse, { mode: 'dpop', user, accessToken: 'a', refreshToken: 'r', tokenType: 'DPoP', expiresIn: 900 })).toBe(true);
  });

  it('refuses a memory-mode answer without its CSRF token, and a DPoP answer that says Bearer', () => {
    expect(Value.Check(LoginResponse, { mode: 'memory', user, accessToken: 'a', tokenType: 'Bearer', expiresIn: 900 })).toBe(false);
    expect(Value.Check(LoginResponse, { mode: 'dpop', user, accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900 })).toBe(false);
  });

  it('refuses a header-mode answer without its tokens', () => {
    expect(Value.Check(LoginResponse, { mode: 'header', user, expiresIn: 900, tokenType: 'Bearer' })).toBe(false);
  });
});

describe('SessionResponse and ErrorResponse', () => {
  it('takes a session with or without a CSRF token', () => {
    const session = { user: { id: 'u', username: 'alice' }, mode: 'header', expiresAt: '2026-01-01T00:00:00.000Z' };
    expect(Value.Check(SessionResponse, session)).toBe(true);
    expect(Value.Check(SessionResponse, { ...session, mode: 'cookie', csrfToken: 'c' })).toBe(true);
    expect(Value.Check(SessionResponse, { ...session, mode: 'cookie', csrfToken: 'c', weakened: ['samesite-none'] })).toBe(true);
    expect(Value.Check(SessionResponse, { ...session, mode: 'cookie', weakened: ['no-firewall'] })).toBe(false);
  });

  it('knows every error code, and only those', () => {
    for (const error of ERROR_CODES) expect(Value.Check(ErrorResponse, { error, message: 'm' })).toBe(true);
    expect(Value.Check(ErrorResponse, { error: 'teapot', message: 'm' })).toBe(false);
  });
});

describe('lab schemas', () => {
  it('a weakened login names one to three distinct defences', () => {
    const base = { username: 'alice', password: '12345678' };
    expect(Value.Check(WeakenedLoginRequest, { ...base, weaken: ['no-csrf-token'] })).toBe(true);
    expect(Value.Check(WeakenedLoginRequest, { ...base, weaken: ['samesite-none', 'no-csrf-token', 'no-origin-check'] })).toBe(true);
    expect(Value.Check(WeakenedLoginRequest, { ...base, weaken: [] })).toBe(false);
    expect(Value.Check(WeakenedLoginRequest, { ...base, weaken: ['no-csrf-token', 'no-csrf-token'] })).toBe(false);
    expect(Value.Check(WeakenedLoginRequest, { ...base, weaken: ['everything'] })).toBe(false);
  });

  it('the cross-site page takes any strategy', () => {
    expect(Value.Check(CrossSitePageQuery, { target: 'http://localhost:3000', strategy: 'memory' })).toBe(true);
    expect(Value.Check(CrossSitePageQuery, { target: 'http://localhost:3000', strategy: 'carrier-pigeon' })).toBe(false);
  });
});
