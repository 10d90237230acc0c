// Where signing keys are kept: a small store of named JSON documents ("es256.keyring",
// "hs256-operator-secret"). Files in DATA_DIR/keys (file-key-storage.ts) on one machine; a table in
// PostgreSQL (stores/postgres/postgres-key-storage.ts) with DATABASE_URL, so that instances on
// several machines share one keyring without a shared disk. Documents are untrusted here: the
// tokens module parses them (stored-key-ring.ts) before using a byte of them.

export interface StoredDocument {
  /** As stored; parse before use. */
  document: unknown;
  /** Changes whenever the document does. */
  version: string;
}

export interface KeyStorage {
  /** Where a document lives, for messages: a file path, or a table and row. */
  describe(name: string): string;
  read(name: string): Promise<StoredDocument | undefined>;
  /**
   * Stores `create()`'s document unless one exists, and returns whichever is stored: of several
   * instances starting at once on an empty store, one's document wins and all of them use it.
   */
  readOrCreate(name: string, create: () => Promise<unknown>): Promise<StoredDocument>;
  /** Replaces the document with `change(current)`; the database engine serialises concurrent changes. */
  update(name: string, change: (current: unknown) => Promise<unknown>): Promise<StoredDocument>;
  /** Cheap enough to ask every few seconds. */
  version(name: string): Promise<string>;
}
