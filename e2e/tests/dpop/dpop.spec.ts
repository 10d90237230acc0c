import type { Page } from '@playwright/test';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { attackLab, expect, JWT, jwtPart, logInThroughTheForm, privateData, readStorage, sessionRegion, STORAGE_KEYS, test, tokenInspector } from '../../support/fixtures.js';

const claimsOf = (token: string) => jwtPart(token, 1);
/** The `cnf` claim of a DPoP-bound token (RFC 9449): the thumbprint of the key it is bound to. */
const Confirmation = Type.Object({ jkt: Type.String() });
const requestLog = (page: Page) => page.getByRole('region', { name: 'Request log' });

/** What IndexedDB holds for the page's key, asked from inside the page, as any script there could. */
function inspectStoredKey(page: Page) {
  return page.evaluate(async () => {
    const database = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('jwtlab-dpop');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB refused the request'));
    });
    const pair = await new Promise<CryptoKeyPair>((resolve, reject) => {
      const request = database.transaction('keys').objectStore('keys').get('current');
      request.onsuccess = () => resolve(request.result as CryptoKeyPair);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB refused the request'));
    });
    database.close();
    const exported = await crypto.subtle.exportKey('jwk', pair.privateKey).then(
      () => 'exported',
      (error: Error) => `${error.name}: ${error.message}`,
    );
    const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    return { extractable: pair.privateKey.extractable, type: pair.privateKey.type, exported, x: publicJwk.x };
  });
}

test.beforeEach(async ({ page, account }) => {
  await page.goto('/');
  await logInThroughTheForm(page, 'dpop', account);
});

test('DPoP: the token is bound to the page key (cnf.jkt = its thumbprint), and every request carries a fresh proof, shown decoded', async ({ page }) => {
  const accessToken = (await readStorage(page, STORAGE_KEYS.dpopAccessToken))!;
  expect(accessToken).toMatch(JWT);
  const { cnf } = claimsOf(accessToken);
  expect(cnf).toEqual({ jkt: expect.stringMatching(/^[\w-]{43}$/) });
  if (!Value.Check(Confirmation, cnf)) throw new Error('the token has no cnf.jkt');
  const { jkt } = cnf;
  await expect(tokenInspector(page)).toContainText(`The token's cnf.jkt: ${jkt}`);
  await expect(tokenInspector(page)).toContainText(`This page's key thumbprint: ${jkt}`);

  const proofs: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/private')) void request.headerValue('dpop').then((proof) => proof && proofs.push(proof));
  });
  for (let round = 0; round < 2; round++) {
    const sent = page.waitForRequest((request) => request.url().endsWith('/api/private'));
    await privateData(page).getByRole('button', { name: 'Load private data' }).click();
    expect(await (await sent).headerValue('authorization')).toBe(`DPoP ${accessToken}`);
    await expect(privateData(page).getByRole('status')).toContainText('via: "dpop"');
  }
  await expect.poll(() => proofs.length).toBe(2);
  const [first, second] = proofs.map((proof) => ({ header: jwtPart(proof, 0), claims: claimsOf(proof) }));
  expect(first!.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
  expect(first!.header.jwk).not.toHaveProperty('d');
  expect(first!.claims).toMatchObject({ htm: 'GET', htu: `${new URL(page.url()).origin}/api/private`, ath: expect.any(String), jti: expect.any(String) });
  expect(first!.claims.jti).not.toBe(second!.claims.jti);

  // The request log decodes the proof it sent.
  const row = requestLog(page).getByRole('row').filter({ hasText: 'GET /api/private' }).first();
  await expect(row).toContainText('Authorization: DPoP + proof');
  await expect(row).toContainText(`jti=${String(second!.claims.jti)}`);
  await expect(row).toContainText(`htu=${new URL(page.url()).origin}/api/private`);
});

test('DPoP: the private key is non-extractable, exportKey fails, and a reload and a second tab use the same key', async ({ page, account }) => {
  const stored = await inspectStoredKey(page);
  expect(stored).toMatchObject({ extractable: false, type: 'private' });
  expect(stored.exported).toMatch(/^InvalidAccessError/);

  await page.reload();
  await expect(sessionRegion(page)).toContainText(`Logged in as ${account.username}`);
  expect((await inspectStoredKey(page)).x).toBe(stored.x);
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText('via: "dpop"');

  const second = await page.context().newPage();
  await second.goto('/');
  await expect(sessionRegion(second)).toContainText(`Logged in as ${account.username}`);
  expect((await inspectStoredKey(second)).x).toBe(stored.x);
  await privateData(second).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(second).getByRole('status')).toContainText('via: "dpop"');
});

test("DPoP: the XSS payload's stolen token is refused from the attacker's server, while the page's own proofs work", async ({ page, attacker, account }) => {
  const lab = attackLab(page);
  await lab.getByRole('button', { name: 'Run XSS payload' }).click();
  await expect(lab.getByRole('status').filter({ hasText: 'Stolen' })).toHaveText(/^Stolen: \d+ tokens?\. The attacker's replay was refused\.$/);

  const loot = (await attacker.loot()).find((item) => item.kind === 'storage' && JSON.stringify(item.data).includes(STORAGE_KEYS.dpopAccessToken));
  expect(loot, "the page's storage is in the collector, the bound token with it").toBeDefined();
  const replay = await attacker.replay(loot!.id);
  expect(replay.attempts.length).toBeGreaterThan(0);
  for (const attempt of replay.attempts) expect(attempt.status).toBe(401);
  const credentials = new Set(replay.attempts.map((attempt) => attempt.credential));
  expect(credentials).toContain('dpop-without-proof');
  expect(credentials).toContain('dpop-with-attacker-proof');

  // The script still acted from the open page, signing with the page's key; and the page itself goes on working.
  const ride = (await attacker.loot()).find((item) => item.kind === 'session-ride' && item.id > loot!.id);
  expect(ride!.data).toMatchObject({ status: 200, answer: { via: 'dpop', user: { username: account.username } } });
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`Hello, ${account.username}`);
});
