import { describe, expect, it } from 'vitest';
import { createDpopKey } from '../../test/support/dpop-key.js';
import { createDpopNonces, createDpopProofVerifier, DpopProofError } from './dpop-proofs.js';

// The verifier alone, with a seen store the test can look into and a clock it sets.

const ORIGIN = 'http://localhost:3000';
const NOW = 1_800_000_000_000;

function verifierWith(options: { nonces?: ReturnType<typeof createDpopNonces> } = {}) {
  const seen = new Map<string, number>();
  const verifier = createDpopProofVerifier({
    seen: { spend: async (id, expiresAt) => !seen.has(id) && Boolean(seen.set(id, expiresAt)) },
    isOwnOrigin: (origin) => origin === ORIGIN,
    now: () => NOW,
    nonces: options.nonces ?? null,
  });
  return { verifier, seen };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as DpopProofError);

describe('the DPoP proof verifier', () => {
  it("answers the proof key's RFC 7638 thumbprint, and remembers the proof until iat + 61 s", async () => {
    const key = await createDpopKey();
    const { verifier, seen } = verifierWith();
    const proof = await key.proof({ method: 'GET', url: `${ORIGIN}/api/private`, accessToken: 'token', now: NOW });
    expect(await verifier.verify(proof, { method: 'GET', path: '/api/private', accessToken: 'token', boundTo: key.jkt })).toEqual({ jkt: key.jkt });
    expect([...seen.values()]).toEqual([Math.floor(NOW / 1000) * 1000 + 61_000]);
  });

  it('stores nothing for a proof refused for any other reason than its jti', async () => {
    const [key, other] = await Promise.all([createDpopKey(), createDpopKey()]);
    const { verifier, seen } = verifierWith();
    const proof = await key.proof({ method: 'GET', url: `${ORIGIN}/api/private`, now: NOW });
    expect(await refusal(verifier.verify(proof, { method: 'GET', path: '/api/private', boundTo: other.jkt }))).toMatchObject({ reason: 'invalid', message: expect.stringMatching(/another key/) });
    expect(await refusal(verifier.verify(proof, { method: 'POST', path: '/api/private' }))).toMatchObject({ reason: 'invalid' });
    expect(seen.size).toBe(0);
  });

  it('matches htu to the path as sent: a request for //elsewhere/x is not covered by a proof for /x', async () => {
    const key = await createDpopKey();
    const { verifier } = verifierWith();
    const proof = await key.proof({ method: 'GET', url: `${ORIGIN}/x`, now: NOW });
    expect(await refusal(verifier.verify(proof, { method: 'GET', path: '//elsewhere.example/x' }))).toMatchObject({ message: expect.stringMatching(/htu/) });
    expect(await verifier.verify(proof, { method: 'GET', path: '/x' })).toEqual({ jkt: key.jkt });
  });

  it('normalises htu as a URL: case of scheme and host, the default port, dot segments', async () => {
    const key = await createDpopKey();
    const { verifier } = verifierWith();
    for (const htu of ['HTTP://LOCALHOST:3000/api/private', 'http://localhost:3000/api/./private', 'http://localhost:3000/api/private#fragment']) {
      const proof = await key.proof({ method: 'GET', url: htu, now: NOW });
      expect(await verifier.verify(proof, { method: 'GET', path: '/api/private' }), htu).toEqual({ jkt: key.jkt });
    }
  });

  it('with nonces, asks for one (naming it) and takes the current and the previous slot only', async () => {
    let clock = NOW;
    const nonces = createDpopNonces({ now: () => clock, slotSeconds: 300 });
    const key = await createDpopKey();
    const { verifier } = verifierWith({ nonces });
    const withoutNonce = await key.proof({ method: 'GET', url: `${ORIGIN}/a`, now: NOW });
    const asked = await refusal(verifier.verify(withoutNonce, { method: 'GET', path: '/a' }));
    expect(asked).toMatchObject({ reason: 'use_nonce', nonce: nonces.current() });
    const nonce = nonces.current();
    expect(nonces.isCurrent(nonce)).toBe(true);
    clock += 300_000;
    expect(nonces.isCurrent(nonce)).toBe(true);
    clock += 300_000;
    expect(nonces.isCurrent(nonce)).toBe(false);
    expect(nonces.isCurrent('made.up')).toBe(false);
  });
});
