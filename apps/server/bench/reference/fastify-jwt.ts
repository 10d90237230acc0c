import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { BENCH_AUDIENCE, BENCH_ISSUER } from '../hs256.js';
import { listenOptions, referenceLogger } from './logging.js';

// Reference 2: what the Fastify ecosystem's JWT plugin does with its verified-token cache on:
// HS256 only, the same issuer, audience and required claims as ours, no session lookup.
const secret = process.env.BENCH_JWT_SECRET;
if (!secret) throw new Error('BENCH_JWT_SECRET is required');

const app = Fastify({ logger: referenceLogger });
await app.register(fastifyJwt, {
  secret,
  verify: {
    cache: true,
    algorithms: ['HS256'],
    allowedIss: BENCH_ISSUER,
    allowedAud: BENCH_AUDIENCE,
    requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid'],
  },
});

app.get('/api/health', async () => ({ status: 'ok' }));
app.get('/api/private', { onRequest: (request) => request.jwtVerify() }, async (request) => ({
  message: 'Hello. This answer needed a valid access token.',
  claims: request.user,
}));

await app.listen(listenOptions());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
