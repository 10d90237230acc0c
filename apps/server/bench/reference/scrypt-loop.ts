import { randomBytes, scrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';

// The login-capacity reference: the password check this app used before argon2id (scrypt with
// N = 2^17, r = 8, p = 1: 128 MiB and about 420 ms a hash on one core here), BENCH_IN_FLIGHT at
// once, as a login route with that many requests in flight would run it. New hashes start for
// BENCH_DURATION_MS; those in flight then finish and count, so no half-done work is thrown away
// (at 420 ms a hash, cutting at the deadline would drop up to one hash per slot). Prints one JSON
// line: hashes completed, wall time from the first start to the last completion, CPU time of the
// process (all threads).
const durationMs = Number(process.env.BENCH_DURATION_MS);
const inFlight = Number(process.env.BENCH_IN_FLIGHT);
if (!(durationMs > 0) || !(inFlight > 0)) throw new Error('BENCH_DURATION_MS and BENCH_IN_FLIGHT are required');

const PARAMETERS = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };
const hashOnce = () =>
  new Promise<void>((resolve, reject) => scrypt('correct horse battery staple', randomBytes(16), 64, PARAMETERS, (error) => (error ? reject(error) : resolve())));

const cpuBefore = process.cpuUsage();
const started = performance.now();
let completed = 0;
async function slot(): Promise<void> {
  while (performance.now() - started < durationMs) {
    await hashOnce();
    completed += 1;
  }
}
await Promise.all(Array.from({ length: inFlight }, slot));
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ completed, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
