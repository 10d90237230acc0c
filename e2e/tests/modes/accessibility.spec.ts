import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { runCrossSiteRequest } from '../../support/cross-site.js';
import { attackLab, expect, MODE_RADIO, privateData, sessionRegion, test, VIA, type StorageMode } from '../../support/fixtures.js';

// Every run takes the screenshots; only UPDATE_SCREENSHOTS=1 replaces the ones the README shows,
// so that a test run leaves the tree as it found it.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, '../../../docs/screenshots')
  : path.resolve(import.meta.dirname, '../../test-results/screenshots');

/** The README's names for the two original modes' screenshots. */
const SCREENSHOT_NAME: Record<StorageMode, string> = { localStorage: 'header', sessionStorage: 'session-storage', memory: 'memory', cookie: 'cookie', dpop: 'dpop' };

/** Violations axe rates serious or critical, as "rule: target" lines that say where. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(' ')}`));
}

test('no serious or critical accessibility violation, logged out and logged in with the lab run; a screenshot of the mode', async ({ page, signIn, storageMode }) => {
  test.setTimeout(90_000); // two axe passes and both attacks, on a busy two-core machine
  await page.goto('/');
  await sessionRegion(page).getByRole('radio', { name: MODE_RADIO[storageMode] }).check();
  await expect(sessionRegion(page).getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(attackLab(page).getByRole('button', { name: 'Run XSS payload' })).toBeVisible();
  expect(await seriousViolations(page), 'logged out').toEqual([]);

  await signIn(page);
  await privateData(page).getByRole('button', { name: 'Load private data' }).click();
  await expect(privateData(page).getByRole('status')).toContainText(`via: "${VIA[storageMode]}"`);
  await attackLab(page).getByRole('button', { name: 'Run XSS payload' }).click();
  await expect(attackLab(page).getByRole('status').filter({ hasText: 'replay' })).toBeVisible();
  const { attackerPage } = await runCrossSiteRequest(page);
  await attackerPage.close();
  expect(await seriousViolations(page), 'logged in, after both attacks').toEqual([]);

  // The README shows these: the top of the page (session, token inspector) and the lab's results, per mode.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${SCREENSHOT_NAME[storageMode]}-mode.png`) });
  await attackLab(page).screenshot({ path: path.join(SCREENSHOTS, `${SCREENSHOT_NAME[storageMode]}-attack-lab.png`) });
});
