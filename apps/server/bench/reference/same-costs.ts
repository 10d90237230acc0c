import Fastify from 'fastify';
import securityHeaders from '../../src/plugins/security-headers.js';
import { listenOptions, referenceLogger } from './logging.js';

// Reference 3: every cost of /api/private except authentication. The same security headers (our
// own plugin), the same request logging (two lines a request), and an answer of the same size,
// serialised from a response schema as ours is. Divided by it, our route shows what checking the
// credential costs, and nothing else.
const bodyBytes = Number(process.env.BENCH_BODY_BYTES);
const envelopeBytes = JSON.stringify({ message: '' }).length;
if (!Number.isInteger(bodyBytes) || bodyBytes < envelopeBytes) throw new Error('BENCH_BODY_BYTES must be the byte length of an /api/private answer');
const answer = { message: 'x'.repeat(bodyBytes - envelopeBytes) };

const app = Fastify({ logger: referenceLogger });
await app.register(securityHeaders, {});

app.get('/api/health', async () => ({ status: 'ok' }));
app.get(
  '/api/private',
  { schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } } } },
  async () => answer,
);

await app.listen(listenOptions());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
