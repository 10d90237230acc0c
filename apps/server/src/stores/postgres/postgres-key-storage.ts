import type { Pool } from 'pg';
import type { KeyStorage, StoredDocument } from '../../tokens/key-storage.js';
import { query, transaction, type Queryable } from './postgres-connection.js';

/** Any fixed number, the same in every instance: "jwks" in ASCII; the second lock key is the document's name. */
const KEY_DOCUMENT_LOCK = 0x6a776b73;

async function readRow(db: Queryable, name: string): Promise<StoredDocument | undefined> {
  const [row] = await query<{ document: unknown; version: number }>(db, 'SELECT document, version FROM signing_keys WHERE name = $1', [name]);
  return row && { document: row.document, version: String(row.version) };
}

/**
 * The signing keys in the shared database, one jsonb document per name: every instance of a
 * deployment, on any machine, reads the same keyring; the first one to start creates it.
 */
export function createPostgresKeyStorage({ pool }: { pool: Pool }) {
  return {
    describe: (name) => `the "${name}" row of the signing_keys table (DATABASE_URL)`,
    read: (name) => readRow(pool, name),
    async readOrCreate(name, create) {
      const existing = await readRow(pool, name);
      if (existing) return existing;
      const document = await create();
      // Two instances starting at once both get here: one row is inserted, and both read that one.
      await query(pool, 'INSERT INTO signing_keys (name, document, version) VALUES ($1, $2, 1) ON CONFLICT (name) DO NOTHING', [name, JSON.stringify(document)]);
      return (await readRow(pool, name))!;
    },
    update: (name, change) =>
      transaction(pool, async (db) => {
        // Serialises concurrent rotations, even of a row that does not exist yet.
        await query(db, 'SELECT pg_advisory_xact_lock($1, hashtext($2))', [KEY_DOCUMENT_LOCK, name]);
        const current = await readRow(db, name);
        const document = JSON.stringify(await change(current?.document));
        await query(
          db,
          `INSERT INTO signing_keys (name, document, version) VALUES ($1, $2, 1)
           ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document, version = signing_keys.version + 1, updated_at = now()`,
          [name, document],
        );
        return (await readRow(db, name))!;
      }),
    async version(name) {
      const [row] = await query<{ version: number }>(pool, 'SELECT version FROM signing_keys WHERE name = $1', [name]);
      return row ? String(row.version) : 'missing';
    },
  } satisfies KeyStorage;
}
