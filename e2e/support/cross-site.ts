import type { Page } from '@playwright/test';
import { ForeignRequestsResponse } from '@jwt-lab/shared';
import { attackLab, expect } from './fixtures.js';
import { readJson } from './read-json.js';

/**
 * Presses Run cross-site request, and returns the attacker's page that opened (on another site)
 * with the requests the app recorded for that run, read from the app rather than the lab's text.
 */
export async function runCrossSiteRequest(page: Page) {
  const lab = attackLab(page);
  const opened = page.waitForEvent('popup');
  await lab.getByRole('button', { name: 'Run cross-site request' }).click();
  const attackerPage = await opened;
  await attackerPage.waitForLoadState();
  const url = new URL(attackerPage.url());
  const run = url.searchParams.get('run');
  expect(run).toBeTruthy();
  await expect(lab.getByRole('status').filter({ hasText: 'forged requests' })).toContainText(/All \d+ forged requests were refused/);
  const response = await page.request.get(`/api/attack-lab/foreign-requests?run=${run}`);
  expect(response.status()).toBe(200);
  const { requests } = await readJson(response, ForeignRequestsResponse);
  return { attackerPage, attackerOrigin: url.origin, requests };
}
