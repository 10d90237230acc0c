import { ConfigError, parseConfig, type Config } from '../config/config.js';
import { openKeyStorage } from '../stores/create-stores.js';
import { KeyRingError, keyRingName, newStoredKeyRing, parseStoredKeyRing, pruneRetired, rotateStoredKeyRing, verifiesUntil, type StoredKeyRing } from '../tokens/stored-key-ring.js';

// `pnpm keys list` and `pnpm keys rotate`: manage the signing keys where the app keeps them
// (DATA_DIR/keys, or PostgreSQL with DATABASE_URL) while it runs. Running instances re-read the
// keyring within seconds; tokens signed before keep working.

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
  const { storage, close } = await openKeyStorage(config);
  try {
    const name = keyRingName(config.jwtAlg);
    const where = storage.describe(name);
    const now = Date.now();
    if (command === 'list') {
      const existing = await storage.read(name);
      if (!existing) return console.log(`No ${config.jwtAlg} keys yet in ${where}; the app creates one at first start.`);
      return printKeyRing(pruneRetired(parseStoredKeyRing(existing.document, where), now, config), config);
    }
    // One transaction (PostgreSQL) or one rename (files): a rotation never loses a key another made.
    const stored = await storage.update(name, async (document) =>
      // No keyring yet: the first key is all a rotation has to make.
      document === undefined ? newStoredKeyRing(config.jwtAlg, now) : rotateStoredKeyRing(parseStoredKeyRing(document, where), now, config),
    );
    const rotated = parseStoredKeyRing(stored.document, where);
    console.log(`Rotated the ${config.jwtAlg} signing key in ${where}. New tokens carry kid ${rotated.keys[0]!.kid}.`);
    printKeyRing(rotated, config);
  } finally {
    await close();
  }
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
  const known = error instanceof ConfigError || error instanceof UsageError || error instanceof KeyRingError;
  console.error(`jwt-lab keys: ${known ? error.message : String(error)}`);
  process.exit(1);
});
