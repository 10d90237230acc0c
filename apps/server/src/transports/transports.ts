import type { CredentialMode } from '@jwt-lab/shared';
import type { FastifyRequest } from 'fastify';
import type { SessionRecord } from '../stores/types.js';
import type { DpopProofVerifier } from '../tokens/dpop-proofs.js';
import { createCookieTransport, type CookieTransportOptions } from './cookie-transport.js';
import { createDpopTransport } from './dpop-transport.js';
import { createBearerCarrier, createHeaderTransport } from './header-transport.js';
import { createMemoryTransport } from './memory-transport.js';
import type { AccessCarrier, CredentialTransport } from './transport.js';

export interface TransportsOptions extends CookieTransportOptions {
  dpopProofs: DpopProofVerifier;
  /** Transports that exist only in some deployments (the attack lab's weakened cookie sessions). */
  extra?: readonly CredentialTransport[];
}

/** Every storage strategy, and which one a request or a session belongs to. */
export function createTransports(options: TransportsOptions) {
  const bearer = createBearerCarrier();
  const byMode: Record<CredentialMode, CredentialTransport> = {
    header: createHeaderTransport({ accessTokenTtl: options.accessTokenTtl, bearer }),
    cookie: createCookieTransport(options),
    memory: createMemoryTransport(options, bearer),
    dpop: createDpopTransport({ proofs: options.dpopProofs, accessTokenTtl: options.accessTokenTtl }),
  };
  const extra = options.extra ?? [];
  // Asked in this order. DPoP before Bearer: both use the Authorization header, and Bearer takes
  // any other scheme so that it answers invalid_token. The header wins over a cookie (contract).
  const accessCarriers: readonly AccessCarrier[] = [byMode.dpop.access, bearer, byMode.cookie.access, ...extra.map((transport) => transport.access)];
  // DPoP before header mode: both send the refresh token in the body, DPoP with a proof beside it.
  const refreshCarriers: readonly CredentialTransport[] = [byMode.dpop, byMode.header, byMode.memory, byMode.cookie, ...extra];

  return {
    byMode: (mode: CredentialMode): CredentialTransport => byMode[mode],

    /** How the request's access token travels, if it has one. */
    carryingAccessToken(request: FastifyRequest): AccessCarrier | undefined {
      for (const carrier of accessCarriers) if (carrier.carries(request)) return carrier;
      return undefined;
    },

    /** The strategy whose way of sending a refresh token the request follows, and the token. */
    carryingRefreshToken(request: FastifyRequest): { transport: CredentialTransport; refreshToken: string } | undefined {
      for (const transport of refreshCarriers) {
        const refreshToken = transport.readRefreshToken(request);
        if (refreshToken !== undefined) return { transport, refreshToken };
      }
      return undefined;
    },

    /** The strategy a session lives by: its mode's, unless a special transport took it over. */
    owning(session: SessionRecord): CredentialTransport {
      for (const transport of extra) if (transport.owns?.(session)) return transport;
      return byMode[session.mode];
    },
  };
}

export type Transports = ReturnType<typeof createTransports>;
