import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_TYPE, LINK_AUDIENCE, LINK_TOKEN_TYPE, REFRESH_TOKEN_TYPE, type AccessTokenClaims, type LinkPurpose, type TokenConfirmation } from '@jwt-lab/shared';
import type { KeyRing, TokenUse } from './key-ring.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

/** Why a token was refused; the auth layer maps these to the API's error codes. */
export class TokenError extends Error {
  constructor(readonly reason: 'invalid' | 'expired') {
    super(reason === 'expired' ? 'token expired' : 'token invalid');
    this.name = 'TokenError';
  }
}

// Type aliases, not interfaces: they are JWT payloads (which have an index signature) too.
export type RefreshTokenClaims = {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** DPoP mode: the key a refresh must prove it holds. */
  cnf?: TokenConfirmation;
};

export type LinkTokenClaims = {
  sub: string;
  jti: string;
  purpose: LinkPurpose;
  /** Password reset only: a fingerprint of the password hash the link was made for. */
  pwd?: string;
  iat: number;
  exp: number;
};

export type DeviceTokenClaims = {
  sub: string;
  /** The device's id: the login limit counts this device's failures apart from the username's. */
  did: string;
  iat: number;
  exp: number;
};

/** Device cookies (OWASP's "device cookies"): their own type and audience, so never any other token. */
export const DEVICE_TOKEN_TYPE = 'device+jwt';
export const DEVICE_AUDIENCE = 'jwt-lab-devices';

export interface TokenServiceOptions {
  keys: KeyRing;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now: () => number;
  /** Lifetime of single-use link tokens, seconds. */
  linkTokenTtl?: number;
  /** Lifetime of device tokens, seconds (default: the refresh token's). */
  deviceTokenTtl?: number;
  /** How many verified access tokens to remember (0 turns the cache off). */
  verifiedTokenCacheSize?: number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** Longer than any token we issue; anything bigger is refused before parsing. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Header parameters that would make a verifier fetch or trust a key the token itself names.
 * We only ever verify with our own keys, and refuse tokens that ask for anything else.
 */
const FORBIDDEN_HEADER_PARAMETERS = ['jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256', 'crit'] as const;

/**
 * Issues and verifies access and refresh tokens. Every verification rule lives here:
 * the one algorithm, issuer, audience, `typ`, required claims and zero clock tolerance.
 */
export function createTokenService(options: TokenServiceOptions) {
  const { keys, issuer, audience, accessTokenTtl, refreshTokenTtl, now } = options;
  const nowSeconds = () => Math.floor(now() / 1000);
  const verified = createVerifiedTokenCache({ capacity: options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, now });

  /** `notAfter` (ms): no token outlives its session's end (SESSION_MAX_AGE), whatever its own lifetime. */
  async function sign(payload: JWTPayload, typ: string, ttl: number, aud = audience, notAfter = Infinity) {
    const iat = nowSeconds();
    const exp = Math.min(iat + ttl, Math.floor(notAfter / 1000));
    const signer = keys.current();
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: keys.alg, typ, kid: signer.kid })
      .setIssuer(issuer)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(signer.key);
    return { token, iat, exp };
  }

  /**
   * The claims of a genuine token of this type. `Claims` names what the checks below guarantee:
   * jose requires every claim and checks iat and exp as numbers, and sub, jti and the binding
   * claim are checked as strings here.
   */
  async function verify<Claims extends JWTPayload>(token: string, typ: string, use: TokenUse, aud = audience, bindingClaim = 'sid'): Promise<Claims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('invalid');
    const key = await keyFor(token, use);
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [keys.alg],
        issuer,
        audience: aud,
        typ,
        requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', bindingClaim],
        clockTolerance: 0,
        currentDate: new Date(now()),
      });
      if (![payload.sub, payload.jti, payload[bindingClaim]].every((claim) => typeof claim === 'string')) {
        throw new TokenError('invalid');
      }
      if (payload.cnf !== undefined && !isConfirmation(payload.cnf)) throw new TokenError('invalid');
      return payload as Claims;
    } catch (error) {
      // jose checks the signature before any claim, so only a genuine token can be "expired".
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('expired');
      throw new TokenError('invalid');
    }
  }

  /** Picks our key by the token's kid, refusing foreign kids and key-carrying headers up front. */
  async function keyFor(token: string, use: TokenUse): Promise<CryptoKey> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenError('invalid');
    }
    if (header.alg !== keys.alg) throw new TokenError('invalid');
    if (FORBIDDEN_HEADER_PARAMETERS.some((name) => name in header)) throw new TokenError('invalid');
    const key = typeof header.kid === 'string' ? await keys.verificationKey(header.kid, use) : undefined;
    if (key === undefined) throw new TokenError('invalid');
    return key;
  }

  // A key taken out of the ring (a compromised one, say) must not keep vouching for cached tokens.
  keys.onChange((kids) => verified.keepSignedBy(kids));

  return {
    accessTokenTtl,
    refreshTokenTtl,

    /** `cnf`: DPoP mode binds the token to the key whose thumbprint it names (RFC 9449, section 6). */
    async issueAccessToken(subject: { sub: string; sid: string; cnf?: TokenConfirmation | undefined }, notAfter?: number) {
      const jti = randomUUID();
      const bound = subject.cnf === undefined ? {} : { cnf: { jkt: subject.cnf.jkt } };
      const { token, iat, exp } = await sign({ sub: subject.sub, sid: subject.sid, jti, ...bound }, ACCESS_TOKEN_TYPE, accessTokenTtl, audience, notAfter);
      const claims: AccessTokenClaims = { iss: issuer, aud: audience, sub: subject.sub, iat, exp, jti, sid: subject.sid, ...bound };
      return { token, claims };
    },

    async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
      const cached = verified.get(token);
      if (cached) return cached;
      const claims = await verify<AccessTokenClaims>(token, ACCESS_TOKEN_TYPE, 'access');
      verified.set(token, claims, decodeProtectedHeader(token).kid!);
      return claims;
    },

    verifiedTokenCacheStats: verified.stats,

    /** The refresh token's jti is what the session store remembers, so that each one works once. */
    async issueRefreshToken(subject: { sub: string; sid: string; jti: string; cnf?: TokenConfirmation | undefined }, notAfter?: number) {
      const bound = subject.cnf === undefined ? {} : { cnf: { jkt: subject.cnf.jkt } };
      const { token, exp } = await sign({ sub: subject.sub, sid: subject.sid, jti: subject.jti, ...bound }, REFRESH_TOKEN_TYPE, refreshTokenTtl, audience, notAfter);
      return { token, exp };
    },

    async verifyRefreshToken(token: string): Promise<RefreshTokenClaims> {
      return verify<RefreshTokenClaims>(token, REFRESH_TOKEN_TYPE, 'refresh');
    },

    /** A link token: its own typ and audience, so it is never an access or refresh token. */
    async issueLinkToken(subject: { sub: string; purpose: LinkPurpose; pwd?: string }) {
      const jti = randomUUID();
      const { token, exp } = await sign({ ...subject, jti }, LINK_TOKEN_TYPE, options.linkTokenTtl ?? 900, LINK_AUDIENCE);
      return { token, jti, exp };
    },

    async verifyLinkToken(token: string, purpose: LinkPurpose): Promise<LinkTokenClaims> {
      const payload = await verify<LinkTokenClaims>(token, LINK_TOKEN_TYPE, 'refresh', LINK_AUDIENCE, 'purpose');
      if (payload.purpose !== purpose) throw new TokenError('invalid');
      return payload;
    },

    /** Proves that this browser logged in as `sub` before; a random `did` names the device. */
    async issueDeviceToken(subject: { sub: string }) {
      const { token, exp } = await sign({ sub: subject.sub, did: randomUUID(), jti: randomUUID() }, DEVICE_TOKEN_TYPE, options.deviceTokenTtl ?? refreshTokenTtl, DEVICE_AUDIENCE);
      return { token, exp };
    },

    async verifyDeviceToken(token: string): Promise<DeviceTokenClaims> {
      return verify<DeviceTokenClaims>(token, DEVICE_TOKEN_TYPE, 'refresh', DEVICE_AUDIENCE, 'did');
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

/** A `cnf` claim as we issue it: `{ jkt }`, an RFC 7638 SHA-256 thumbprint (43 base64url characters). */
function isConfirmation(value: unknown): value is TokenConfirmation {
  return typeof value === 'object' && value !== null && typeof (value as { jkt?: unknown }).jkt === 'string' && /^[\w-]{43}$/.test((value as { jkt: string }).jkt);
}
