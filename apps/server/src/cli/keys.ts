import { ConfigError, parseConfig, type Config } from '../config/config.js';
import {
  createStoredKey,
  keyRingFile,
  pruneRetired,
  readStoredKeyRing,
  rotateStoredKeyRing,
  verifiesUntil,
  writeStoredKeyRing,
  type StoredKeyRing,
} from '../tokens/key-ring.js';

// `pnpm keys list` and `pnpm keys rotate`: manage the signing keys in DATA_DIR while the app runs.
// Running instances re-read the keyring within seconds; tokens signed before keep working.

const USAGE = 'usage: pnpm keys list | pnpm keys rotate';

async function main(command: string | undefined) {
  const config = parseConfig(process.env);
  if (command !== 'list' && command !== 'rotate') throw new UsageError(USAGE);
  if (config.jwtAlg === 'HS256' && config.jwtSecret) {
    throw new UsageError(
      'JWT_SECRET is set, so the key comes from the environment: to rotate it, move its value to ' +
        'JWT_PREVIOUS_SECRET, set a new JWT_SECRET and restart; the old secret keeps verifying until its tokens expire.',
    );
  }
  const file = keyRingFile(config.dataDir, config.jwtAlg);
  const now = Date.now();
  const existing = await readStoredKeyRing(file);
  if (command === 'list') {
    if (!existing) return console.log(`No ${config.jwtAlg} keys yet in ${file}; the app creates one at first start.`);
    return printKeyRing(pruneRetired(existing, now, config), config);
  }
  // No keyring yet: the first key is all a rotation has to make.
  const rotated = existing ? await rotateStoredKeyRing(existing, now, config) : { alg: config.jwtAlg, keys: [await createStoredKey(config.jwtAlg, now)] };
  await writeStoredKeyRing(file, rotated);
  console.log(`Rotated the ${config.jwtAlg} signing key in ${file}. New tokens carry kid ${rotated.keys[0]!.kid}.`);
  printKeyRing(rotated, config);
}

function printKeyRing(ring: StoredKeyRing, config: Config) {
  const when = (ms: number) => new Date(ms).toISOString().replace('.000', '');
  for (const key of ring.keys) {
    const state =
      key.retiredAt === null
        ? 'current: signs new tokens'
        : `retired ${when(key.retiredAt)}: verifies access tokens until ${when(verifiesUntil(key, 'access', config))}, refresh tokens until ${when(verifiesUntil(key, 'refresh', config))}`;
    console.log(`  ${key.kid}  created ${when(key.createdAt)}  ${state}`);
  }

}

class UsageError extends Error {}

main(process.argv[2]).catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof UsageError;
  console.error(`jwt-lab keys: ${known ? error.message : String(error)}`);
  process.exit(1);
});
