import { NO_ATTACHMENT, type CredentialAttachment } from '../../../lib/api-client';
import { createIndexedDbKeyStore, type DpopKeyStore } from './dpop-key-store';
import { generateDpopKeyPair, publicJwkOf, signDpopProof, thumbprintOf } from '../../../lib/dpop-proof';
import { DPOP_HEADER, DPOP_NONCE_HEADER } from './wire-names';
import { createStoredTokenPair } from './stored-token-pair';
import type { PageStrategy } from './strategy';

export const DPOP_STORAGE_KEYS = { accessToken: 'jwtlab.dpop.accessToken', refreshToken: 'jwtlab.dpop.refreshToken' } as const;

interface DpopStrategyOptions {
  storage: Storage;
  keys?: DpopKeyStore;
  now?: () => number;
}

/**
 * DPoP (RFC 9449): the tokens sit in localStorage, readable by any script like the localStorage
 * strategy's, but both are bound to this page's key pair (`cnf.jkt`), and every request carries a
 * fresh proof signed by that key. The private key was created non-extractable and lives in
 * IndexedDB: a script in the page can ask the browser to sign with it while the page is open,
 * but cannot carry it away, so a stolen token is useless anywhere else.
 */
export function createDpopStrategy({ storage, keys = createIndexedDbKeyStore(), now = Date.now }: DpopStrategyOptions): PageStrategy {
  let pair: Promise<CryptoKeyPair | null> | undefined;
  let nonce: string | undefined;
  const currentPair = () => (pair ??= keys.load().catch(() => null));

  const tokens = createStoredTokenPair(storage, DPOP_STORAGE_KEYS);

  async function withProof(attachment: CredentialAttachment, method: string, url: string, accessToken?: string): Promise<CredentialAttachment> {
    const keyPair = await currentPair();
    // No key (IndexedDB was cleared): the request goes without a proof, and the server refuses it.
    if (!keyPair) return attachment;
    const proof = await signDpopProof(keyPair, {
      htm: method,
      htu: url,
      iat: Math.floor(now() / 1000),
      ...(accessToken === undefined ? {} : { accessToken }),
      ...(nonce === undefined ? {} : { nonce }),
    });
    return { ...attachment, headers: { ...attachment.headers, [DPOP_HEADER]: proof }, proof };
  }

  return {
    id: 'dpop',
    serverMode: 'dpop',
    sharedWithOtherTabs: true,
    description: {
      label: 'DPoP: token bound to a key the page cannot export',
      short: 'DPoP',
      hint: 'The tokens are bound to a key pair the browser made non-extractable and keeps in IndexedDB; every request carries a fresh proof signed with it. A stolen token is useless without the key.',
      tokenHome: `localStorage["${DPOP_STORAGE_KEYS.accessToken}"], bound to this page's key`,
      afterLogin: 'Your tokens are bound to a key this page created and cannot export; every API call sends Authorization: DPoP and a fresh proof signed with that key.',
      afterRefresh: 'New tokens received, bound to the same key (the refresh needed a proof from it). The old refresh token is now spent.',
    },
    read: tokens.read,
    restorable: () => tokens.read() !== null,
    async prepareLogin() {
      // A new key for every login: tokens of an earlier session stay bound to a key that is gone.
      const fresh = await generateDpopKeyPair();
      await keys.save(fresh);
      pair = Promise.resolve(fresh);
    },
    keep: (answer) => (answer.mode === 'dpop' ? tokens.save(answer) : null),
    noteSession: () => tokens.read(),
    async clear() {
      tokens.forget();
      pair = Promise.resolve(null);
      await keys.remove().catch(() => {});
    },
    async keyThumbprint() {
      const keyPair = await currentPair();
      return keyPair ? thumbprintOf(await publicJwkOf(keyPair.publicKey)) : null;
    },
    async attach(use, { method, url }) {
      if (use === 'none') return NO_ATTACHMENT;
      // The login's proof is what binds the new tokens to this key.
      if (use === 'login') return withProof(NO_ATTACHMENT, method, url);
      if (use === 'refresh') {
        const refreshToken = tokens.refreshToken();
        return refreshToken ? withProof({ ...NO_ATTACHMENT, body: { refreshToken }, carrier: 'body' }, method, url) : NO_ATTACHMENT;
      }
      const accessToken = tokens.accessToken();
      if (!accessToken) return NO_ATTACHMENT;
      return withProof({ ...NO_ATTACHMENT, headers: { authorization: `DPoP ${accessToken}` }, carrier: 'dpop' }, method, url, accessToken);
    },
    observe(response) {
      const offered = response.headers.get(DPOP_NONCE_HEADER);
      if (offered === null || offered === nonce) return false;
      nonce = offered;
      // RFC 9449 section 8/9: the server refused the proof for want of this nonce; sign again with it.
      const challenge = response.headers.get('www-authenticate') ?? '';
      return (response.status === 401 || response.status === 400) && (challenge.includes('use_dpop_nonce') || response.status === 400);
    },
  };
}
