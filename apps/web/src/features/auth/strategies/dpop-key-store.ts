import { isKeyPair } from '../../../lib/dpop-proof';

/**
 * Where the DPoP strategy keeps its key pair: IndexedDB, which stores a CryptoKey as the browser's
 * own object (structured clone), so a key created with `extractable: false` stays unreadable
 * there too: no script, this page's included, can get its private half out, only ask the browser
 * to sign with it. IndexedDB belongs to the origin, so a reload keeps the key and a new tab of the
 * origin uses the same one (docs/decisions/016-dpop-key-in-the-page.md).
 */
export interface DpopKeyStore {
  load(): Promise<CryptoKeyPair | null>;
  save(pair: CryptoKeyPair): Promise<void>;
  remove(): Promise<void>;
}

const DPOP_DATABASE = 'jwtlab-dpop';
const DPOP_OBJECT_STORE = 'keys';
const CURRENT = 'current';

export function createIndexedDbKeyStore(factory?: IDBFactory): DpopKeyStore {
  let database: Promise<IDBDatabase> | undefined;
  const open = () =>
    (database ??= new Promise<IDBDatabase>((resolve, reject) => {
      // Looked up when first needed: a page that never uses DPoP never opens the database.
      const request = (factory ?? indexedDB).open(DPOP_DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(DPOP_OBJECT_STORE);
      request.onsuccess = () => {
        const opened = request.result;
        // Someone deleted the database (the lab, the browser's "clear site data"): open anew next time.
        opened.onversionchange = () => {
          opened.close();
          database = undefined;
        };
        resolve(opened);
      };
      request.onerror = () => {
        database = undefined;
        reject(request.error ?? new Error('IndexedDB could not be opened'));
      };
    }));

  async function inStore<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const store = (await open()).transaction(DPOP_OBJECT_STORE, mode).objectStore(DPOP_OBJECT_STORE);
    return new Promise<T>((resolve, reject) => {
      const request = work(store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  }

  return {
    async load() {
      const found: unknown = await inStore('readonly', (store) => store.get(CURRENT));
      return isKeyPair(found) ? found : null;
    },
    save: async (pair) => void (await inStore('readwrite', (store) => store.put(pair, CURRENT))),
    remove: async () => void (await inStore('readwrite', (store) => store.delete(CURRENT))),
  };
}
